import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wlc } from '../../src/schedulers/wlc.js';
import { backendsArb, drain, Harness, isEligible, letters, mk, type TB } from './core-kit.js';

describe('wlc (weighted least connection)', () => {
  it('weights 1,2,3, idle, 6k picks without completions → in flight k, 2k, 3k', () => {
    const h = new Harness(wlc, letters(3, [1, 2, 3]));
    for (let i = 0; i < 600; i++) h.dispatch();
    expect(h.bs.map((b) => b.active)).toEqual([100, 200, 300]);
  });

  it('all idle → the first eligible backend, whatever the weights', () => {
    expect(new Harness(wlc, letters(2, [1, 10])).id()).toBe('a');
    const bs = letters(3, [5, 1, 10]);
    drain(bs[0]!);
    expect(new Harness(wlc, bs).id()).toBe('b');
  });

  it('equal normalised load → the earliest; a drained backend is never returned', () => {
    const bs = [{ ...mk('a', 2), active: 2 }, { ...mk('b', 1), active: 1 }, { ...mk('c', 0), state: 'drain' as const }];
    expect(new Harness(wlc, bs).id()).toBe('a');
    const h = new Harness(wlc, bs);
    for (let i = 0; i < 20; i++) expect(h.dispatch()!.id).not.toBe('c');
  });

  it('property: the choice minimises (256·active + inactive)/weight, earliest on ties (exact rationals)', () => {
    fc.assert(
      fc.property(backendsArb, (bs) => {
        const el = bs.filter(isEligible);
        const got = new Harness(wlc, bs).pick() as TB | null;
        if (el.length === 0) return void expect(got).toBeNull();
        const o = (b: TB) => 256 * b.active + b.inactive;
        // got must not be beaten by anyone, and everyone earlier must be strictly worse
        for (const d of el) expect(o(got!) * d.weight <= o(d) * got!.weight).toBe(true);
        for (const d of el.slice(0, el.indexOf(got!))) expect(o(d) * got!.weight > o(got!) * d.weight).toBe(true);
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});
