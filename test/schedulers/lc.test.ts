import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lc } from '../../src/schedulers/lc.js';
import { backendsArb, drain, Harness, isEligible, many, mk, type TB } from './core-kit.js';

describe('lc (least connection)', () => {
  it('all idle, no completions: picks go 0,1,…,N−1,0,1,…', () => {
    const h = new Harness(lc, many(5));
    const ids = h.bs.map((b) => b.id);
    for (let i = 0; i < 23; i++) expect(h.dispatch()!.id).toBe(ids[i % 5]);
  });

  it('one active connection outweighs 255 inactive ones; 256 is a tie → first', () => {
    const a = { ...mk('a'), active: 1 };
    const b = { ...mk('b'), inactive: 255 };
    expect(new Harness(lc, [a, b]).id()).toBe('b');
    b.inactive = 256;
    expect(new Harness(lc, [a, b]).id()).toBe('a');
  });

  it('weights only matter as 0: 1 and 100 at equal load → the first', () => {
    expect(new Harness(lc, [mk('a', 1), mk('b', 100)]).id()).toBe('a');
  });

  it('drained and down backends are never chosen; none eligible → null', () => {
    const bs = [mk('a'), mk('b'), mk('c', 1, 'down')];
    drain(bs[0]!);
    const h = new Harness(lc, bs);
    for (let i = 0; i < 5; i++) expect(h.dispatch()!.id).toBe('b');
    bs[1]!.state = 'disabled';
    expect(h.id()).toBeNull();
  });

  it('property: the choice is the earliest eligible backend with the smallest 256·active + inactive', () => {
    fc.assert(
      fc.property(backendsArb, (bs) => {
        const el = bs.filter(isEligible);
        const got = new Harness(lc, bs).pick();
        if (el.length === 0) return void expect(got).toBeNull();
        const o = (b: TB) => 256 * b.active + b.inactive;
        const min = Math.min(...el.map(o));
        expect(got).toBe(el.find((b) => o(b) === min));
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
