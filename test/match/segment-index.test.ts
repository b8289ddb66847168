// The first-segment index only skips routes that could not match: the matcher returns exactly what
// trying every route in order returns, for seeded random route lists and paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { Matcher } from '../../src/match/compile.js';
import { RequestFacts } from '../../src/match/facts.js';
import { LearnedMime } from '../../src/match/mime.js';

const GLOBS = ['/a/**', '/a/*.json', '/b/**', '/b', '/a/b/c', '/**', '/a*', '**/*.png', '/c/{x,y}/**', '/a/b/**', '/ab/**', '/x.png'];
const SEGS = ['a', 'b', 'c', 'ab', 'x', 'y', 'x.png', 'i.json', ''];

describe('Matcher first-segment index', () => {
  it('matches like a linear scan over every route', () => {
    const learned = new LearnedMime();
    const route = fc.record({
      path: fc.option(fc.subarray(GLOBS, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      beta: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 12 }), fc.array(fc.array(fc.constantFrom(...SEGS), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }), (rs, paths) => {
        const routes = rs.map((r, i) => ({ name: `r${i}`, pool: 'p', match: { ...(r.path ? { path: r.path } : {}), ...(r.beta ? { headers: { 'x-beta': '1' } } : {}) } }));
        const { config, problems } = validate({ pools: { p: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] } }, routes });
        expect(problems).toEqual([]);
        const m = new Matcher(config!.routes);
        for (const segs of paths) {
          for (const headers of [{}, { 'x-beta': '1' }]) {
            const f = new RequestFacts('GET', '/' + segs.join('/'), '', headers, learned);
            const linear = m.routes.find((r) => r.checks.every((c) => c.test(f))) ?? null;
            expect(m.match(f)?.name ?? null, f.path).toBe(linear?.name ?? null);
          }
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
