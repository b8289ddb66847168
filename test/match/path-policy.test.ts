// Path policy (src/match/normalize.ts): every spelling of a path either normalises to one path or
// is refused; case-insensitive routes (compile.ts) are found through the first-segment index.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { Matcher } from '../../src/match/compile.js';
import { RequestFacts } from '../../src/match/facts.js';
import { BadPath, normalizeTarget } from '../../src/match/normalize.js';

const BAD = null;

describe('normalizeTarget, default (slashes merged)', () => {
  it.each<[string, string | null]>([
    ['/admin/x', '/admin/x'],
    ['/', '/'],
    // repeated slashes
    ['//admin/x', '/admin/x'],
    ['///admin//x//', '/admin/x/'],
    ['//', '/'],
    ['/a//../b', '/b'],
    // dot segments, raw and encoded (any hex case), never above the root
    ['/public/../admin/x', '/admin/x'],
    ['/public/%2e%2e/admin/x', '/admin/x'],
    ['/public/%2E%2e/admin/x', '/admin/x'],
    ['/public/.%2E/admin/x', '/admin/x'],
    ['/./admin/./x', '/admin/x'],
    ['/%2e/admin', '/admin'],
    ['/..', '/'],
    ['/../admin/x', '/admin/x'],
    ['/../../../admin', '/admin'],
    ['/%2e%2e/%2e%2e/admin', '/admin'],
    ['/.', '/'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    // `;` after a dot segment (Tomcat reads `/..;/` as `/../`)
    ['/public/..;/admin/x', BAD],
    ['/public/.;/admin/x', BAD],
    ['/public/..;jsessionid=1/admin/x', BAD],
    ['/public/%2e%2e;/admin/x', BAD],
    ['/public/.%2e;x/admin/x', BAD],
    ['/public/..%3b/admin/x', BAD],
    ['/public/..%3B/admin/x', BAD],
    ['/..;', BAD],
    // `;` elsewhere is a path parameter and stays
    ['/app/page;jsessionid=AB', '/app/page;jsessionid=AB'],
    ['/app/x..;/y', '/app/x..;/y'],
    ['/app/...;/y', '/app/...;/y'],
    // encoded slash and backslash, any hex case, and raw backslash: anywhere
    ['/admin%2Fx', BAD],
    ['/admin%2fx', BAD],
    ['/admin%5Cx', BAD],
    ['/admin%5cx', BAD],
    ['/public/..%2Fadmin/x', BAD],
    ['/public/..%5cadmin/x', BAD],
    ['/public/%2e%2e%5cadmin/x', BAD],
    ['/admin\\x', BAD],
    ['/public/..\\admin/x', BAD],
    ['\\admin', BAD],
    // control characters, encoded and raw
    ['/a%00b', BAD],
    ['/a%0d%0aX-Injected:1', BAD],
    ['/a%1F', BAD],
    ['/a%7f', BAD],
    ['/a\u0000b', BAD],
    ['/a\tb', BAD],
    ['/a\u007fb', BAD],
    // malformed escapes, fragments, other forms
    ['/a%zz', BAD],
    ['/a%2', BAD],
    ['/a%', BAD],
    ['/a#frag', BAD],
    ['admin', BAD],
    // case is kept; unreserved escapes decoded, others upper-cased
    ['/ADMIN/x', '/ADMIN/x'],
    ['/%61dmin/x', '/admin/x'],
    ['/%41DMIN/%7euser', '/ADMIN/~user'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a%20b', '/a%20b'],
    // absolute form gets the same policy
    ['http://example.com//admin/x', '/admin/x'],
    ['http://example.com/public/../admin/x', '/admin/x'],
    ['HTTP://example.com/public/..;/admin/x', BAD],
    ['http://example.com/admin%2fx', BAD],
    ['http://example.com/admin\\x', BAD],
    ['http://example.com', '/'],
  ])('%j → %j', (raw, want) => {
    if (want === BAD) expect(() => normalizeTarget(raw)).toThrow(BadPath);
    else expect(normalizeTarget(raw).path).toBe(want);
  });

  it('forwards the query as sent, whatever it holds', () => {
    expect(normalizeTarget('//a/../b?x=%2F&y=/..;/&z=%5c')).toEqual({ path: '/b', search: '?x=%2F&y=/..;/&z=%5c' });
    expect(normalizeTarget('http://h//a?q=1')).toEqual({ path: '/a', search: '?q=1' });
  });

  it('returns a clean path unchanged', () => {
    for (const p of ['/a/b.c/d-e_f~g', '/index.html', '/a.b/.c', '/x/', '/a:b@c!$&\'()*+,='])
      expect(normalizeTarget(p).path).toBe(p);
  });
});

describe('normalizeTarget with mergeSlashes: false', () => {
  const off = { mergeSlashes: false };
  it.each<[string, string | null]>([
    ['//admin/x', '//admin/x'],
    ['/admin//x//', '/admin//x//'],
    ['/a//../b', '/a/b'],
    ['//../admin', '/admin'],
    ['/public/../admin/x', '/admin/x'],
    ['/public/..;/admin/x', BAD],
    ['//admin%2fx', BAD],
    ['//admin\\x', BAD],
    ['http://example.com//admin/x', '//admin/x'],
  ])('%j → %j', (raw, want) => {
    if (want === BAD) expect(() => normalizeTarget(raw, off)).toThrow(BadPath);
    else expect(normalizeTarget(raw, off).path).toBe(want);
  });
});

function matcher(routes: unknown[]): Matcher {
  const { config, problems } = validate({ pools: { p: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] } }, routes });
  if (!config) throw new Error(JSON.stringify(problems));
  return new Matcher(config.routes);
}
const routeOf = (m: Matcher, path: string) => m.match(new RequestFacts('GET', path, '', {}, undefined))?.name ?? null;

describe('caseInsensitive routes', () => {
  const m = matcher([
    { name: 'api', match: { path: '/api/**' }, pool: 'p' },
    { name: 'admin', match: { path: ['/Admin/**', '/ops/*.json'] }, pool: 'p', caseInsensitive: true },
    { name: 'all', match: {}, pool: 'p' },
  ]);
  it('match their path globs in any case, through the segment index', () => {
    for (const p of ['/admin/x', '/ADMIN/x', '/aDmIn/x/y', '/Admin', '/OPS/a.JSON', '/ops/a.json']) expect(routeOf(m, p), p).toBe('admin');
  });
  it('leave other routes case-sensitive', () => {
    expect(routeOf(m, '/api/x')).toBe('api');
    expect(routeOf(m, '/API/x')).toBe('all');
    expect(routeOf(m, '/adminx')).toBe('all');
  });
  it('agree with a linear scan over every route for random case spellings', () => {
    const GLOBS = ['/a/**', '/Ab/**', '/b', '/AB/c/**', '/**', '/a*', '**/*.png'];
    const SEGS = ['a', 'A', 'ab', 'Ab', 'aB', 'AB', 'b', 'B', 'c', 'C', 'x.png', 'X.PNG', ''];
    const route = fc.record({ path: fc.subarray(GLOBS, { minLength: 1, maxLength: 2 }), ci: fc.boolean() });
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 8 }), fc.array(fc.array(fc.constantFrom(...SEGS), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 20 }), (rs, paths) => {
        const mm = matcher(rs.map((r, i) => ({ name: `r${i}`, pool: 'p', match: { path: r.path }, caseInsensitive: r.ci })));
        for (const segs of paths) {
          const f = new RequestFacts('GET', '/' + segs.join('/'), '', {}, undefined);
          const linear = mm.routes.find((r) => r.checks.every((c) => c.test(f))) ?? null;
          expect(mm.match(f)?.name ?? null, f.path).toBe(linear?.name ?? null);
        }
      }),
      { seed: 9, numRuns: 200 },
    );
  });
});
