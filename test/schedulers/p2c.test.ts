import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { p2c } from '../../src/schedulers/p2c.js';
import { seededRng } from '../../src/schedulers/rng.js';
import type { Problem } from '../../src/schedulers/types.js';
import { drain, Harness, many, mk } from './core-kit.js';

/** Unit jobs, no completions: returns max − mean of the in-flight counts. */
function gap(n: number, seed: number, pick: (h: Harness<unknown>) => void): number {
  const h = new Harness(p2c, many(n), {}, seed);
  for (let i = 0; i < 100 * n; i++) pick(h);
  return Math.max(...h.bs.map((b) => b.active)) - 100;
}

describe('p2c (power of two choices)', () => {
  it('property: with distinct loads the single most-loaded backend is never chosen', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000), { minLength: 2, maxLength: 30 }), fc.nat(), (loads, seed) => {
        const bs = many(loads.length).map((b, i) => ({ ...b, active: loads[i]! }));
        const h = new Harness(p2c, bs, {}, seed);
        const worst = bs.reduce((a, b) => (b.active > a.active ? b : a));
        for (let i = 0; i < 50; i++) expect(h.id()).not.toBe(worst.id);
      }),
      { seed: 51, numRuns: 200 },
    );
  });

  it('two backends are always both candidates: the less loaded wins (active/weight, cross-multiplied)', () => {
    const h = new Harness(p2c, [{ ...mk('a', 1), active: 1 }, { ...mk('b', 4), active: 3 }]);
    for (let i = 0; i < 50; i++) expect(h.id()).toBe('b'); // 3/4 < 1/1
  });

  it('100·n unit jobs over n = 10, 100, 1000: max − mean ≤ 3 on every seed; one random choice is far worse', () => {
    for (const [n, seeds] of [[10, 20], [100, 20], [1000, 3]] as const) {
      let oneChoice = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        expect(gap(n, seed, (h) => h.dispatch())).toBeLessThanOrEqual(3);
        const r = seededRng(seed);
        oneChoice += gap(n, seed, (h) => h.bs[Math.floor(r() * n)]!.active++);
      }
      expect(oneChoice / seeds).toBeGreaterThan(10);
    }
  });

  it('same seed → same sequence; a different seed → a different one; picking on a clone does not advance it', () => {
    const run = (seed: number) => {
      const h = new Harness(p2c, many(16), {}, seed);
      return Array.from({ length: 200 }, () => h.dispatch()!.id).join();
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    const a = new Harness(p2c, many(16), {}, 9);
    const b = new Harness(p2c, many(16), {}, 9);
    for (let i = 0; i < 20; i++) a.s.pick({ key: undefined, clientIp: '', clientPort: 0, now: 0 }, a.bs, structuredClone(a.st));
    for (let i = 0; i < 50; i++) expect(a.dispatch()!.id).toBe(b.dispatch()!.id);
  });

  it('draws with probability proportional to weight (idle backends: the first drawn wins)', () => {
    const h = new Harness(p2c, many(3, (i) => [1, 2, 7][i]!), { choices: 2 }, 3);
    const c = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) c[h.bs.indexOf(h.pick() as never)]!++;
    // first-drawn wins ties, so the winner is the first weighted draw
    expect(c[0]! / 1e5).toBeCloseTo(0.1, 2);
    expect(c[1]! / 1e5).toBeCloseTo(0.2, 2);
    expect(c[2]! / 1e5).toBeCloseTo(0.7, 2);
  });

  it('drained, down and avoided backends are never chosen; one eligible → it; none → null', () => {
    const bs = many(6);
    drain(bs[0]!);
    bs[1]!.state = 'down';
    bs[2]!.overloaded = true;
    const h = new Harness(p2c, bs);
    const avoid = new Set([bs[3]!.id, bs[4]!.id]);
    for (let i = 0; i < 100; i++) expect(h.id(undefined, { avoid })).toBe(bs[5]!.id);
    expect(h.id(undefined, { avoid: new Set([bs[5]!.id, ...avoid]) })).toBeNull();
  });

  it('choices is validated with its key path', () => {
    const problems: Problem[] = [];
    expect(p2c.parse({}, 'pools.p', problems)).toEqual({ choices: 2 });
    p2c.parse({ choices: 1 }, 'pools.p', problems);
    p2c.parse({ choices: 2.5 }, 'pools.p', problems);
    expect(problems.map((p) => p.path)).toEqual(['pools.p.choices', 'pools.p.choices']);
  });
});
