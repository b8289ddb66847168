import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceilDiv, chbl, chblCap, fraction } from '../../src/schedulers/chbl.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import { buildRing, ringStart } from '../../src/schedulers/ring.js';
import { seededRng } from '../../src/schedulers/rng.js';
import { H, backends, drain, keys, loads, parse, undrain, type B } from './locality-kit.js';

const owners = (h: H<unknown>, ks: readonly string[]): (string | undefined)[] => ks.map((k) => h.pick(k)?.id);

describe('chbl', () => {
  it('is registered; balanceFactor is 0 or > 1, minRingSize a positive integer', () => {
    expect(getScheduler('chbl')).toBe(chbl);
    expect(parse(chbl).params).toEqual({ balanceFactor: 1.25, minRingSize: 1024 });
    expect(parse(chbl, { balanceFactor: 0 }).problems).toEqual([]);
    for (const bad of [1, 0.5, -1, 'x']) {
      expect(parse(chbl, { balanceFactor: bad }).problems.map((p) => p.path)).toEqual(['pools.p.balanceFactor']);
    }
    expect(parse(chbl, { minRingSize: 0 }).problems.map((p) => p.path)).toEqual(['pools.p.minRingSize']);
    expect(parse(chbl, { minRingSize: 10.5 }).problems.map((p) => p.path)).toEqual(['pools.p.minRingSize']);
  });

  it('computes caps exactly: ⌈c·(T+1)·w/W⌉', () => {
    expect(fraction(1.25)).toEqual({ num: 125, den: 100 });
    expect(fraction(1.1)).toEqual({ num: 11, den: 10 });
    expect(chblCap(fraction(1.1), 9, 1, 1)).toBe(11); // 1.1 × 10 = 11 exactly (floats say 11.000000000000002)
    expect(chblCap(fraction(1.25), 7, 1, 8)).toBe(2); // ⌈1.25·8/8⌉
    expect(chblCap(fraction(1.25), 8, 1, 8)).toBe(2); // ⌈1.40625⌉
    expect(ceilDiv(10, 5)).toBe(2);
    expect(ceilDiv(11, 5)).toBe(3);
    expect(ceilDiv(2 ** 60, 3)).toBe(Math.ceil(2 ** 60 / 3));
  });

  it('property 1: the load bound ⌈c·(T+1)/N⌉ is never exceeded over random start/end sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(1.1, 1.25, 1.5, 2),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1e6 })), { minLength: 1, maxLength: 600 }),
        (n, c, seed, ops) => {
          const bs = backends(n);
          const h = new H(chbl, bs, { balanceFactor: c, minRingSize: 64 });
          const rnd = seededRng(seed);
          const inflight: B[] = [];
          for (const [start, x] of ops) {
            if (start || inflight.length === 0) {
              // Zipf-ish keys: a few hot ones make the bound bite
              const key = `/k/${Math.floor(1 / (rnd() + 0.01))}-${x % 3}`;
              const T = inflight.length;
              const b = h.start(key);
              expect(b).not.toBeNull();
              expect(b!.active - 1).toBeLessThan(chblCap(fraction(c), T, 1, n));
              expect(b!.active).toBeLessThanOrEqual(Math.ceil((c * (T + 1)) / n - 1e-9));
              inflight.push(b!);
            } else {
              const [b] = inflight.splice(x % inflight.length, 1);
              h.end(b!);
            }
            for (const b of bs) expect(b.active).toBeLessThanOrEqual(Math.ceil((c * Math.max(1, inflight.length)) / n - 1e-9) + 1);
          }
        },
      ),
      { seed: 303, numRuns: 150 },
    );
  });

  it('property 1 with weights: a chosen backend is always below ⌈c·(T+1)·w/W⌉', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }),
        (ws, ops) => {
          const bs = backends(ws.length, (i) => ws[i]!);
          const W = ws.reduce((a, b) => a + b, 0);
          const h = new H(chbl, bs, { minRingSize: 64 });
          const inflight: B[] = [];
          for (const [start, k] of ops) {
            if (start || inflight.length === 0) {
              const T = inflight.length;
              const b = h.start(`/hot/${k % 4}`)!;
              expect(b.active - 1).toBeLessThan(chblCap(fraction(1.25), T, b.weight, W));
              inflight.push(b);
            } else h.end(inflight.splice(k % inflight.length, 1)[0]!);
          }
        },
      ),
      { seed: 304, numRuns: 150 },
    );
  });

  it('property 2: with all loads 0, or balanceFactor 0, the choice is the plain ring’s', () => {
    const ks = keys(2000);
    const bounded = new H(chbl, backends(8));
    const plain = new H(chbl, backends(8), { balanceFactor: 0 });
    expect(owners(bounded, ks)).toEqual(owners(plain, ks));
    // balanceFactor 0 ignores load entirely
    const bs = backends(4);
    const p = new H(chbl, bs, { balanceFactor: 0 });
    const first = p.pick('/hot')!;
    first.active = 1000;
    expect(p.pick('/hot')).toBe(first);
  });

  it('property 3: a hot key spills to its ring successors in the same order every time', () => {
    const run = (): string[] => {
      const h = new H(chbl, backends(6));
      return Array.from({ length: 30 }, () => h.start('/hot.jpg')!.id);
    };
    const a = run();
    expect(run()).toEqual(a);
    // with 30 in flight the bound spreads it: no backend above ⌈1.25·30/6⌉ = 7
    const per = new Map<string, number>();
    for (const id of a) per.set(id, (per.get(id) ?? 0) + 1);
    expect(Math.max(...per.values())).toBeLessThanOrEqual(7);
    expect(per.size).toBeGreaterThanOrEqual(5);
    expect(a[0]).toBe(new H(chbl, backends(6), { balanceFactor: 0 }).pick('/hot.jpg')!.id);
    // and each newcomer is the first ring successor not yet full
    const h = new H(chbl, backends(6));
    const order: string[] = [];
    for (let i = 0; i < 30; i++) {
      const b = h.start('/hot.jpg')!;
      if (!order.includes(b.id)) order.push(b.id);
    }
    expect(order).toEqual([...new Set(a)]);
  });

  it('property 4: loads 0, removing 1 of N moves only the keys that mapped to it; adding one only takes keys', () => {
    const ks = keys(20_000);
    const bs = backends(8);
    const h = new H(chbl, bs);
    const before = owners(h, ks);
    const gone = bs[3]!.id;
    h.changed(bs.filter((b) => b.id !== gone));
    const after = owners(h, ks);
    let moved = 0;
    ks.forEach((_, i) => {
      if (before[i] !== gone) expect(after[i]).toBe(before[i]);
      else moved++;
    });
    expect(moved / ks.length).toBeGreaterThan(0.08);
    expect(moved / ks.length).toBeLessThan(0.17);
    // add it back: exactly the original mapping returns
    h.changed(bs);
    expect(owners(h, ks)).toEqual(before);
    // an unannounced list change is noticed too
    const h2 = new H(chbl, backends(8));
    h2.bs = bs.slice(0, 7);
    const fewer = owners(h2, ks);
    ks.forEach((_, i) => {
      if (before[i] !== bs[7]!.id) expect(fewer[i]).toBe(before[i]);
    });
  });

  it('spreads keys evenly with the default ring (N = 8: max/mean ≤ 1.15) and identically across instances', () => {
    const ks = keys(80_000);
    const a = owners(new H(chbl, backends(8)), ks);
    expect(owners(new H(chbl, backends(8)), ks)).toEqual(a);
    const count = new Map<string, number>();
    for (const id of a) count.set(id!, (count.get(id!) ?? 0) + 1);
    expect(count.size).toBe(8);
    expect(Math.max(...count.values()) / (ks.length / 8)).toBeLessThan(1.15);
  });

  it('weights share the ring proportionally (1:2:3)', () => {
    const ks = keys(60_000);
    const bs = backends(3, (i) => i + 1);
    const a = owners(new H(chbl, bs), ks);
    const share = bs.map((b) => a.filter((id) => id === b.id).length / ks.length);
    expect(share[0]).toBeCloseTo(1 / 6, 1);
    expect(share[1]).toBeCloseTo(2 / 6, 1);
    expect(share[2]).toBeCloseTo(3 / 6, 1);
  });

  it('drained backends stay on the ring: their keys skip to the next backend and return after the drain', () => {
    const ks = keys(5000);
    const bs = backends(5);
    const h = new H(chbl, bs);
    const before = owners(h, ks);
    const ring = h.state<{ ring: unknown }>().ring;
    drain(bs[1]!);
    h.changed();
    expect(h.state<{ ring: unknown }>().ring).toBe(ring); // not rebuilt
    const during = owners(h, ks);
    ks.forEach((_, i) => {
      if (before[i] === bs[1]!.id) expect(during[i]).not.toBe(bs[1]!.id);
      else expect(during[i]).toBe(before[i]);
    });
    undrain(bs[1]!);
    h.changed();
    expect(owners(h, ks)).toEqual(before);
  });

  it('down backends leave the ring (rebuilt): only their keys move', () => {
    const ks = keys(5000);
    const bs = backends(5);
    const h = new H(chbl, bs);
    const before = owners(h, ks);
    bs[2]!.state = 'down';
    h.changed();
    const during = owners(h, ks);
    ks.forEach((_, i) => {
      if (before[i] !== bs[2]!.id) expect(during[i]).toBe(before[i]);
      else expect(during[i]).not.toBe(bs[2]!.id);
    });
    // retries avoid the backend already tried
    const k = ks.find((_, i) => before[i] === bs[0]!.id)!;
    expect(h.pick(k, { avoid: new Set([bs[0]!.id]) })!.id).not.toBe(bs[0]!.id);
  });

  it('a request without a key goes by wlc; nothing eligible → null', () => {
    const bs = backends(3);
    const h = new H(chbl, bs);
    loads(bs, 3, 1, 2);
    expect(h.pick(undefined)).toBe(bs[1]);
    for (const b of bs) drain(b);
    h.changed();
    expect(h.pick('/x')).toBeNull();
    expect(h.pick(undefined)).toBeNull();
  });

  it('explain: a pick on a structuredClone of the state gives the same answer', () => {
    const bs = backends(4);
    const h = new H(chbl, bs);
    for (const k of keys(50)) expect(h.peek(k)).toBe(h.pick(k));
  });
});

describe('ring look-up index', () => {
  it('finds the same first point ≥ h as a plain search, for seeded random hashes and rings', () => {
    const rng = seededRng(7);
    for (const [n, size] of [[1, 1], [3, 5], [8, 1024], [64, 40]] as const) {
      const ring = buildRing(Array.from({ length: n }, (_, i) => `10.0.0.${i}:80`), Array(n).fill(1), size);
      const naive = (h: number) => {
        const j = ring.points.findIndex((p) => p >= h);
        return j === -1 ? 0 : j;
      };
      for (let k = 0; k < 2000; k++) {
        const h = Math.floor(rng() * 2 ** 32);
        expect(ringStart(ring, h)).toBe(naive(h));
      }
      for (const p of [0, ring.points[0]!, ring.points[ring.points.length - 1]!, 2 ** 32 - 1]) expect(ringStart(ring, p)).toBe(naive(p));
    }
  });
});
