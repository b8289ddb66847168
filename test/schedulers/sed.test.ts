import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sed } from '../../src/schedulers/sed.js';
import { wlc } from '../../src/schedulers/wlc.js';
import { backendsArb, drain, Harness, isEligible, letters, type TB } from './core-kit.js';

describe('sed (shortest expected delay)', () => {
  it('all idle, weights 1 (A) and 10 (B) → B, where wlc picks A', () => {
    expect(new Harness(sed, letters(2, [1, 10])).id()).toBe('b');
    expect(new Harness(wlc, letters(2, [1, 10])).id()).toBe('a');
  });

  it('weights 1 (A) and 3 (B), idle, no completions → B B A B B B A B B B A', () => {
    const h = new Harness(sed, letters(2, [1, 3]));
    const s = Array.from({ length: 11 }, () => h.dispatch()!.id).join('').toUpperCase();
    expect(s).toBe('BBABBBABBBA');
  });

  it('inactive connections do not change the decision', () => {
    fc.assert(
      fc.property(backendsArb, fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 8, maxLength: 8 }), (bs, inact) => {
        const before = new Harness(sed, bs).pick();
        bs.forEach((b, i) => (b.inactive = inact[i]!));
        expect(new Harness(sed, bs).pick()).toBe(before);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('property: the choice minimises (active+1)/weight, earliest on ties; never drained', () => {
    fc.assert(
      fc.property(backendsArb, (bs) => {
        const el = bs.filter(isEligible);
        const got = new Harness(sed, bs).pick() as TB | null;
        if (el.length === 0) return void expect(got).toBeNull();
        const o = (b: TB) => b.active + 1;
        for (const d of el) expect(o(got!) * d.weight <= o(d) * got!.weight).toBe(true);
        for (const d of el.slice(0, el.indexOf(got!))) expect(o(d) * got!.weight > o(got!) * d.weight).toBe(true);
      }),
      { seed: 14, numRuns: 500 },
    );
  });

  it('a drained backend of huge weight is never chosen', () => {
    const bs = letters(2, [1, 100]);
    drain(bs[1]!);
    const h = new Harness(sed, bs);
    for (let i = 0; i < 5; i++) expect(h.dispatch()!.id).toBe('a');
  });
});
