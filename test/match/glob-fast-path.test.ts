// The matcher's glob fast path (regex straight, literal-prefix check first) must agree with
// picomatch's own matcher on every input, and header decoding through the cache must be exact.
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { Matcher } from '../../src/match/compile.js';
import { RequestFacts } from '../../src/match/facts.js';
import { latin1, responseHeaders } from '../../src/proxy/headers.js';
import { seededRng } from '../../src/schedulers/rng.js';

const GLOBS = [
  '/api/**', '/api', '/api/*', '/a/{b,c}/**', '/a[bc]/**', '/a?/x', '**/*.{cgi,pl,php}', '/cgi-bin/**',
  '/v1/*.json', '/x/**/y', '/.well-known/**', '/a/!(b)/**', '/a/+(b|c)', '/static/**/*.css', '*', '**',
];
const SEGS = ['api', 'a', 'b', 'c', 'ab', 'x', 'y', 'v1', 'f.json', 'p.php', 'cgi-bin', '.well-known', 'API', 's.css', 'static', ''];

function matcherFor(glob: string, nocase = false): Matcher {
  const match = nocase ? { host: glob } : { path: glob };
  const { config, problems } = validate({
    pools: { p: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] } },
    routes: [{ name: 'r', match, pool: 'p' }],
  });
  if (!config) throw new Error(JSON.stringify(problems));
  return new Matcher(config.routes);
}

describe('glob fast path', () => {
  it('agrees with picomatch on 2,000 seeded random paths per glob', () => {
    const rnd = seededRng(7);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const wrong: string[] = [];
    for (const glob of GLOBS) {
      const m = matcherFor(glob);
      const ref = picomatch(glob, { dot: true, strictBrackets: true });
      for (let i = 0; i < 2000; i++) {
        const path = '/' + Array.from({ length: Math.floor(rnd() * 4) }, () => pick(SEGS)).join('/');
        const f = new RequestFacts('GET', path, '', {}, undefined);
        if ((m.match(f) !== null) !== ref(path)) wrong.push(`${glob} vs ${path}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps case-insensitive globs (host) exact', () => {
    const m = matcherFor('*.Example.com', true);
    for (const [host, want] of [['www.example.com', true], ['WWW.EXAMPLE.COM:8080', true], ['example.com', false], ['a.example.org', false]] as const) {
      expect(m.match(new RequestFacts('GET', '/', '', { host }, undefined)) !== null, host).toBe(want);
    }
  });
});

describe('header decoding cache', () => {
  it('returns exactly the bytes given, whatever was decoded before', () => {
    const rnd = seededRng(11);
    const seen = new Map<string, Buffer>();
    const wrong: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const len = 1 + Math.floor(rnd() * 80);
      // few distinct bytes so that slots collide and near-identical strings meet often
      const s = Array.from({ length: len }, () => String.fromCharCode(0x61 + Math.floor(rnd() * 3), 0xe9)[Math.floor(rnd() * 2)]).join('');
      const b = seen.get(s) ?? Buffer.from(s, 'latin1');
      seen.set(s, b);
      if (latin1(b) !== s) wrong.push(s);
    }
    expect(wrong).toEqual([]);
  });

  it('drops hop-by-hop headers and those named by Connection, keeps the rest in order', () => {
    const raw = ['Content-Type', 'text/html', 'X-Gone', '1', 'Connection', 'keep-alive, X-Gone', 'Keep-Alive', 'timeout=5', 'X-Cache', 'HIT', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']
      .map((s) => Buffer.from(s, 'latin1'));
    const r = responseHeaders(raw);
    expect(r.headers).toEqual(['Content-Type', 'text/html', 'X-Cache', 'HIT', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    expect(r.contentType).toBe('text/html');
    expect(r.cache).toBe('HIT');
    expect(responseHeaders(raw).headers).toEqual(r.headers); // second pass served from the cache
  });
});
