import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { Matcher } from '../../src/match/compile.js';
import { RequestFacts } from '../../src/match/facts.js';
import { LearnedMime, resolveMime } from '../../src/match/mime.js';
import { BadPath, normalizeTarget } from '../../src/match/normalize.js';

function matcher(routes: unknown[]) {
  const pools = { a: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] }, b: { scheduler: 'rr', backends: ['http://127.0.0.1:2'] } };
  const { config, problems } = validate({ pools, routes });
  if (!config) throw new Error(JSON.stringify(problems));
  return new Matcher(config.routes);
}
const facts = (method: string, url: string, headers: Record<string, string> = {}, learned?: LearnedMime) => {
  const t = normalizeTarget(url);
  return new RequestFacts(method, t.path, t.search, headers, learned);
};
const routeOf = (m: Matcher, method: string, url: string, headers: Record<string, string> = {}) => m.match(facts(method, url, headers))?.name ?? null;

describe('path normalisation', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/img/../cgi-bin/x', '/cgi-bin/x'],
    ['/img/%2e%2e/cgi-bin/x', '/cgi-bin/x'],
    ['/img/%2E%2E/%2e/cgi-bin/x', '/cgi-bin/x'],
    ['/a/./b/.', '/a/b/'],
    ['/../../etc', '/etc'],
    ['//cgi-bin//x', '/cgi-bin/x'],
    ['/a//../b', '/b'],
    ['/%7euser/%41', '/~user/A'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['http://example.com/x/../y?q=1', '/y'],
  ])('%s → %s', (raw, want) => {
    expect(normalizeTarget(raw).path).toBe(want);
  });
  it('keeps the query as sent', () => {
    expect(normalizeTarget('/a/../b?x=%2e%2e&y=/..').search).toBe('?x=%2e%2e&y=/..');
  });
  it.each(['/a%zz', '/a%2', '/a%2fb', '/img/..%2fcgi-bin/x', '/img/..%2Fcgi-bin/x', '/img/%2e%2e%2fcgi-bin/x', '/x/..%5c..%5cetc', 'foo', '/a#frag'])(
    'rejects %s with BadPath (400)',
    (raw) => {
      expect(() => normalizeTarget(raw)).toThrow(BadPath);
    },
  );
});

describe('MIME inference order', () => {
  it('takes the extension first, then the learned type, then Accept', () => {
    const learned = new LearnedMime(2);
    expect(resolveMime('/x/logo.png', 'text/html', learned)).toEqual({ type: 'image/png', source: 'extension' });
    expect(resolveMime('/x/logo', 'image/webp,*/*;q=0.8', learned)).toEqual({ type: 'image/webp', source: 'accept' });
    learned.learn('/x/logo', 'image/avif; charset=binary');
    expect(resolveMime('/x/logo', 'image/webp', learned)).toEqual({ type: 'image/avif', source: 'learned' });
    expect(resolveMime('/x/other', '*/*', learned)).toEqual({ type: undefined, source: 'none' });
    expect(resolveMime('/x/.hidden', undefined, learned).source).toBe('none');
  });
  it('bounds the learned table (LRU)', () => {
    const learned = new LearnedMime(2);
    learned.learn('/a', 'image/png');
    learned.learn('/b', 'image/png');
    learned.get('/a');
    learned.learn('/c', 'image/png');
    expect(learned.size).toBe(2);
    expect(learned.get('/b')).toBeUndefined();
    expect(learned.get('/a')).toBe('image/png');
  });
  it('picks the most preferred concrete Accept type', () => {
    expect(resolveMime('/p', 'text/*;q=1, application/json;q=0.5, text/html;q=0.9', undefined).type).toBe('text/html');
  });
});

describe('matcher', () => {
  const m = matcher([
    { name: 'cgi', match: { path: ['/cgi-bin/**', '**/*.{cgi,pl,php}'] }, pool: 'b' },
    { name: 'images', match: { mime: 'image/*' }, pool: 'a' },
    { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'a' },
    { name: 're', match: { headers: { 'user-agent': /bot/i } }, pool: 'a' },
    { name: 'absent', match: { headers: { cookie: false }, method: ['POST', 'put'] }, pool: 'b' },
    { name: 'present', match: { headers: { authorization: true } }, pool: 'b' },
    { name: 'host', match: { host: ['*.example.com', 'api.test'] }, pool: 'a' },
    { name: 'query', match: { query: { v: /^2/, mode: 'fast' } }, pool: 'a' },
    { name: 'html', match: {}, pool: 'a' },
  ]);
  it('path globs, including dot-segment bypass attempts', () => {
    expect(routeOf(m, 'GET', '/cgi-bin/env')).toBe('cgi');
    expect(routeOf(m, 'GET', '/deep/x/script.php')).toBe('cgi');
    expect(routeOf(m, 'GET', '/img/../cgi-bin/x')).toBe('cgi');
    expect(routeOf(m, 'GET', '/img/%2e%2e/cgi-bin/x')).toBe('cgi');
    // repeated slashes are merged (listen.mergeSlashes, default true) before matching
    expect(routeOf(m, 'GET', '//cgi-bin/x')).toBe('cgi');
  });
  it('mime from extension and from Accept', () => {
    expect(routeOf(m, 'GET', '/img/logo.png')).toBe('images');
    expect(routeOf(m, 'GET', '/img/logo', { accept: 'image/webp' })).toBe('images');
    expect(routeOf(m, 'GET', '/index.html', { accept: 'image/webp' })).toBe('html');
  });
  it('headers: exact, RegExp, present and absent', () => {
    expect(routeOf(m, 'GET', '/', { 'x-beta': '1' })).toBe('beta');
    expect(routeOf(m, 'GET', '/', { 'x-beta': '2' })).toBe('html');
    expect(routeOf(m, 'GET', '/', { 'user-agent': 'GoogleBot/2' })).toBe('re');
    expect(routeOf(m, 'POST', '/')).toBe('absent');
    expect(routeOf(m, 'PUT', '/')).toBe('absent');
    expect(routeOf(m, 'POST', '/', { cookie: 'a=b' })).toBe('html');
    expect(routeOf(m, 'GET', '/', { authorization: 'Bearer x' })).toBe('present');
  });
  it('host globs ignore the port and case', () => {
    expect(routeOf(m, 'GET', '/', { host: 'WWW.Example.com:8080' })).toBe('host');
    expect(routeOf(m, 'GET', '/', { host: 'api.test' })).toBe('host');
    expect(routeOf(m, 'GET', '/', { host: 'example.com' })).toBe('html');
  });
  it('query: every parameter must hold; any value of a repeated one may', () => {
    expect(routeOf(m, 'GET', '/?v=2.1&mode=fast')).toBe('query');
    expect(routeOf(m, 'GET', '/?v=1&v=2&mode=fast')).toBe('query');
    expect(routeOf(m, 'GET', '/?v=2')).toBe('html');
  });
  it('first match wins; no route → null', () => {
    const m2 = matcher([{ name: 'only', match: { method: 'GET' }, pool: 'a' }, { name: 'never', match: { method: 'GET' }, pool: 'b' }]);
    expect(routeOf(m2, 'GET', '/')).toBe('only');
    expect(routeOf(m2, 'DELETE', '/')).toBeNull();
  });
  it('explain lists each route tried and why it failed', () => {
    const r = m.explain(facts('GET', '/img/a.gif'));
    expect(r.route?.name).toBe('images');
    expect(r.tried).toEqual([
      { route: 'cgi', matched: false, failed: 'path', detail: 'path ~ /cgi-bin/** | **/*.{cgi,pl,php} does not hold' },
      { route: 'images', matched: true, detail: 'mime ~ image/*' },
    ]);
  });
});

describe('matcher against a naive reference (seeded random requests)', () => {
  it('agrees on 2,000 random requests', async () => {
    const { seededRng } = await import('../../src/schedulers/rng.js');
    const picomatch = (await import('picomatch')).default;
    const rnd = seededRng(42);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const routes = [
      { name: 'r0', match: { path: '/static/**', method: 'GET' }, pool: 'a' },
      { name: 'r1', match: { headers: { 'x-k': 'v' } }, pool: 'b' },
      { name: 'r2', match: { path: '**/*.css' }, pool: 'a' },
      { name: 'r3', match: { host: 'a.test', query: { q: '1' } }, pool: 'b' },
    ];
    const m3 = matcher(routes);
    const segs = ['static', 'x', '..', '.', 'a.css', 'b', '%2e%2e', 'img'];
    for (let i = 0; i < 2000; i++) {
      const path = '/' + Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(segs)).join('/');
      const method = pick(['GET', 'POST']);
      const headers: Record<string, string> = {};
      if (rnd() < 0.3) headers['x-k'] = pick(['v', 'w']);
      if (rnd() < 0.5) headers.host = pick(['a.test', 'b.test']);
      const url = path + (rnd() < 0.5 ? '?q=' + pick(['1', '2']) : '');
      const f = facts(method, url, headers);
      const ref =
        routes.find((r) => {
          const mm = r.match as Record<string, unknown>;
          if (mm.method && mm.method !== f.method) return false;
          if (mm.path && !picomatch(mm.path as string, { dot: true })(f.path)) return false;
          if (mm.headers && headers['x-k'] !== 'v') return false;
          if (mm.host && f.host !== 'a.test') return false;
          if (mm.query && new URLSearchParams(f.search).get('q') !== '1') return false;
          return true;
        })?.name ?? null;
      expect(m3.match(f)?.name ?? null, `${method} ${url} ${JSON.stringify(headers)}`).toBe(ref);
    }
  });
});
