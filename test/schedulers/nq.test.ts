import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nq } from '../../src/schedulers/nq.js';
import { sed } from '../../src/schedulers/sed.js';
import { backendsArb, drain, Harness, isEligible, mk } from './core-kit.js';

describe('nq (never queue)', () => {
  it('weights 1 (A) and 10 (B), loads 0 and 5 → A (sed would choose B)', () => {
    const bs = [mk('a', 1), { ...mk('b', 10), active: 5 }];
    expect(new Harness(nq, bs).id()).toBe('a');
    expect(new Harness(sed, bs).id()).toBe('b');
  });

  it('returns the first idle eligible backend in list order', () => {
    const bs = [{ ...mk('a', 9), active: 1 }, mk('b', 0, 'drain'), mk('c', 1, 'down'), mk('d', 1), mk('e', 50)];
    expect(new Harness(nq, bs).id()).toBe('d');
  });

  it('property: with no idle eligible backend the result equals sed; otherwise it is the first idle one', () => {
    fc.assert(
      fc.property(backendsArb, (bs) => {
        const idle = bs.find((b) => isEligible(b) && b.active === 0);
        const got = new Harness(nq, bs).pick();
        expect(got).toBe(idle ?? new Harness(sed, bs).pick());
      }),
      { seed: 15, numRuns: 500 },
    );
  });

  it('drained / down backends are never chosen, even when idle; none eligible → null', () => {
    const bs = [mk('a'), { ...mk('b'), active: 3 }, mk('c', 1, 'down')];
    drain(bs[0]!);
    expect(new Harness(nq, bs).id()).toBe('b');
    bs[1]!.overloaded = true;
    expect(new Harness(nq, bs).id()).toBeNull();
  });
});
