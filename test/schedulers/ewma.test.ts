import { describe, expect, it } from 'vitest';
import { ewma, observe } from '../../src/schedulers/ewma.js';
import type { Problem } from '../../src/schedulers/types.js';
import { drain, Harness, many, mk } from './core-kit.js';

const TAU = 10_000;

describe('ewma (peak EWMA)', () => {
  it('a higher observation is taken at once: cost 10, observe 80 → 80', () => {
    const e = { cost: 10, stamp: 0 };
    observe(e, 80, 5, TAU);
    expect(e.cost).toBe(80);
  });

  it('without observations for τ·ln 2 the read cost halves (80 → 40)', () => {
    const e = { cost: 80, stamp: 0 };
    observe(e, 0, TAU * Math.LN2, TAU);
    expect(e.cost).toBeCloseTo(40, 9);
  });

  it('cost 80, observe 20 after 10 s with no read in between → 80·e^−1 + 20·(1 − e^−1) = 42.07', () => {
    const e = { cost: 80, stamp: 0 };
    observe(e, 20, 10_000, TAU);
    expect(e.cost).toBeCloseTo(42.07, 2);
  });

  it('steady 10 ms vs 50 ms: the 10 ms backend wins until 10·(p+1) exceeds 50·(q+1)', () => {
    const h = new Harness(ewma, [mk('fast'), mk('slow')]);
    h.now = 100_000; // long after init: observations replace the default 30 ms
    const [fast, slow] = h.bs as [ReturnType<typeof mk>, ReturnType<typeof mk>];
    h.complete({ ...fast, active: 1 } as never, 10);
    h.complete({ ...slow, active: 1 } as never, 50);
    for (let i = 0; i < 4; i++) expect(h.dispatch()!.id).toBe('fast'); // 10·4 = 40 < 50
    fast.active = 5; // 10·6 = 60 > 50·1
    for (let i = 0; i < 10; i++) expect(h.id()).toBe('slow');
  });

  it('closed loop: the low-latency backend wins whenever it is drawn (≈ half of all pairs of 4)', () => {
    const h = new Harness(ewma, many(4), {}, 5);
    const rtt = [5, 40, 40, 40];
    const count = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const b = h.dispatch()!;
      const k = h.bs.indexOf(b);
      count[k]!++;
      h.now += rtt[k]!;
      h.complete(b, rtt[k]!);
    }
    expect(count[0]! / 2000).toBeGreaterThan(0.45);
    for (const c of count.slice(1)) expect(c * 2).toBeLessThan(count[0]!);
  });

  it('weights divide the score; a new backend starts at defaultRtt', () => {
    const h = new Harness(ewma, [{ ...mk('a', 1), active: 1 }, { ...mk('b', 3), active: 3 }], { defaultRtt: 20 });
    // a: 20·2/1 = 40; b: 20·4/3 ≈ 26.7
    for (let i = 0; i < 20; i++) expect(h.id()).toBe('b');
    const est = h.state<{ est: Map<string, { cost: number }> }>().est;
    expect(est.get('a')!.cost).toBe(20);
  });

  it('drained and down backends are never chosen; removed backends are forgotten', () => {
    const bs = many(4);
    drain(bs[0]!);
    bs[1]!.state = 'down';
    const h = new Harness(ewma, bs);
    h.changed();
    for (let i = 0; i < 100; i++) expect([bs[2]!.id, bs[3]!.id]).toContain(h.id());
    h.bs = [bs[2]!];
    h.changed();
    expect([...h.state<{ est: Map<string, unknown> }>().est.keys()]).toEqual([bs[2]!.id]);
    bs[2]!.state = 'down';
    expect(h.id()).toBeNull();
  });

  it('same seed → same sequence', () => {
    const run = () => {
      const h = new Harness(ewma, many(8), {}, 11);
      return Array.from({ length: 100 }, () => h.dispatch()!.id).join();
    };
    expect(run()).toBe(run());
  });

  it('decay and defaultRtt are validated with their key paths', () => {
    const problems: Problem[] = [];
    expect(ewma.parse({}, 'pools.api', problems)).toEqual({ decay: 10, defaultRtt: 30 });
    ewma.parse({ decay: 0, defaultRtt: -1 }, 'pools.api', problems);
    expect(problems.map((p) => p.path)).toEqual(['pools.api.decay', 'pools.api.defaultRtt']);
  });
});
