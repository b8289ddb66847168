import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wrr } from '../../src/schedulers/wrr.js';
import { drain, Harness, letters, mk } from './core-kit.js';

const seq = (weights: number[], n: number): string => {
  const h = new Harness(wrr, letters(weights.length, weights));
  return Array.from({ length: n }, () => h.id() ?? '-').join('').toUpperCase();
};
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

describe('wrr (IPVS interleaving)', () => {
  it('golden sequences from the kernel rules', () => {
    expect(seq([4, 3, 2], 18)).toBe('AABABCABC'.repeat(2));
    expect(seq([3, 1], 8)).toBe('AAABAAAB');
    expect(seq([4, 2], 6)).toBe('AABAAB');
    expect(seq([5, 1, 1], 14)).toBe('AAAAABC'.repeat(2));
    expect(seq([2, 0, 1], 6)).toBe('AACAAC');
  });

  it('3:1 over 4000 picks is exactly 3000:1000', () => {
    const h = new Harness(wrr, letters(2, [3, 1]));
    const c = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) c[h.id() as 'a' | 'b']++;
    expect(c).toEqual({ a: 3000, b: 1000 });
  });

  it('property: over any multiple of Σw/gcd picks, counts are exactly proportional', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (ws, k) => {
        const pos = ws.filter((w) => w > 0);
        const h = new Harness(wrr, letters(ws.length, ws));
        if (pos.length === 0) {
          expect(h.id()).toBeNull();
          return;
        }
        const di = pos.reduce(gcd);
        const cycle = pos.reduce((a, w) => a + w, 0) / di;
        const counts = new Map<string, number>();
        for (let i = 0; i < k * cycle; i++) {
          const id = h.id()!;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        ws.forEach((w, i) => expect(counts.get(String.fromCharCode(97 + i)) ?? 0).toBe((k * w) / di));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('property: the sequence repeats with period Σw/gcd', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), (ws) => {
        const di = ws.reduce(gcd);
        const cycle = ws.reduce((a, w) => a + w, 0) / di;
        const s = seq(ws, 3 * cycle);
        expect(s.slice(cycle, 2 * cycle)).toBe(s.slice(0, cycle));
        expect(s.slice(2 * cycle)).toBe(s.slice(0, cycle));
      }),
      { seed: 4, numRuns: 200 },
    );
  });

  it('a weight change restarts the cycle from the top of the list', () => {
    const h = new Harness(wrr, letters(2, [3, 1]));
    expect([h.id(), h.id()]).toEqual(['a', 'a']);
    h.bs[1]!.weight = 3;
    h.changed();
    expect(Array.from({ length: 6 }, () => h.id()).join('')).toBe('ababab');
  });

  it('all weights 0 → null; a single backend of weight 7 → always it', () => {
    expect(new Harness(wrr, letters(3, [0, 0, 0])).id()).toBeNull();
    const h = new Harness(wrr, letters(1, [7]));
    for (let i = 0; i < 20; i++) expect(h.id()).toBe('a');
  });

  it('drained, down and overloaded backends are never returned; all overloaded → null', () => {
    const bs = [mk('a', 2), mk('b', 2), mk('c', 1, 'down'), mk('d', 3)];
    const h = new Harness(wrr, bs);
    drain(bs[1]!);
    bs[3]!.overloaded = true;
    h.changed();
    for (let i = 0; i < 10; i++) expect(h.id()).toBe('a');
    bs[0]!.overloaded = true;
    expect(h.id()).toBeNull();
    bs[0]!.overloaded = false;
    expect(h.id()).toBe('a');
  });

  it('property: never returns an ineligible backend and never loops forever', () => {
    const st = fc.constantFrom('active', 'drain', 'down', 'disabled') as fc.Arbitrary<'active' | 'drain' | 'down' | 'disabled'>;
    fc.assert(
      fc.property(fc.array(fc.record({ w: fc.integer({ min: 0, max: 6 }), s: st, o: fc.boolean() }), { minLength: 1, maxLength: 7 }), (spec) => {
        const bs = spec.map((x, i) => ({ ...mk(`b${i}`, x.s === 'drain' ? 0 : x.w, x.s), overloaded: x.o }));
        const h = new Harness(wrr, bs);
        const any = bs.some((b) => b.state === 'active' && b.weight > 0 && !b.overloaded);
        for (let i = 0; i < 30; i++) {
          const b = h.pick();
          if (!any) expect(b).toBeNull();
          else expect(b !== null && b.state === 'active' && b.weight > 0 && !b.overloaded).toBe(true);
        }
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
