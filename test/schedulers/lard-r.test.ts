import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lard } from '../../src/schedulers/lard.js';
import { lardR } from '../../src/schedulers/lard-r.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import { H, backends, drain, keys, loads, parse, type B } from './locality-kit.js';

type Entry = { set: string[]; lastMod: number; lastUse: number };
const setOf = (h: H<unknown>, key: string): string[] | undefined =>
  h.state<{ targets: Map<string, Entry> }>().targets.get(key)?.set;

/** A harness with /x on the first backend and the others at the given loads. */
function onFirst(n: number, raw: Record<string, unknown> = {}): { h: H<unknown>; bs: B[]; key: string } {
  const bs = backends(n);
  const h = new H(lardR, bs, raw);
  const key = keys(100).find((k) => h.peek(k) === bs[0])!;
  expect(h.pick(key)).toBe(bs[0]);
  return { h, bs, key };
}

describe('lard-r', () => {
  it('is registered with tLow, tHigh, replicaTtl (20 s) and lard’s other parameters', () => {
    expect(getScheduler('lard-r')).toBe(lardR);
    expect(parse(lardR).params).toEqual({ tLow: 25, tHigh: 65, admission: 'auto', maxTargets: 100_000, targetTtl: 86_400, replicaTtl: 20 });
    expect(parse(lardR, { replicaTtl: -1 }).problems.map((p) => p.path)).toEqual(['pools.p.replicaTtl']);
  });

  it('property 5: the set grows only on a trigger, by the cluster’s least-loaded backend', () => {
    const { h, bs, key } = onFirst(4);
    const [a, b, c, d] = bs as [B, B, B, B];
    loads(bs, 66, 25, 30, 40); // above T_high but nobody below T_low: no trigger
    expect(h.pick(key)).toBe(a);
    expect(setOf(h, key)).toEqual([a.id]);
    h.now = 1000;
    loads(bs, 66, 30, 24, 40);
    expect(h.pick(key)).toBe(c);
    expect(setOf(h, key)).toEqual([a.id, c.id]);
    // requests now go to the least-loaded member
    loads(bs, 10, 0, 20, 0);
    expect(h.pick(key)).toBe(a);
    loads(bs, 30, 0, 20, 0);
    expect(h.pick(key)).toBe(c);
    expect(setOf(h, key)).toEqual([a.id, c.id]);
    // 2·T_high on the best member grows it again even with nobody idle
    h.now = 2000;
    loads(bs, 131, 100, 130, 90);
    expect(h.pick(key)).toBe(d);
    expect(setOf(h, key)).toEqual([a.id, c.id, d.id]);
    void b;
  });

  it('property 5: shrinks by its most-loaded member after K seconds unchanged (not at K)', () => {
    const { h, bs, key } = onFirst(3);
    const [a, b] = bs as [B, B, B];
    h.now = 5000;
    loads(bs, 70, 10, 50);
    expect(h.pick(key)).toBe(b); // grows: [a, b], lastMod 5000
    loads(bs, 40, 10, 0);
    h.now = 25_000; // exactly K: no shrink
    expect(h.pick(key)).toBe(b);
    expect(setOf(h, key)).toEqual([a.id, b.id]);
    h.now = 25_001;
    expect(h.pick(key)).toBe(b);
    expect(setOf(h, key)).toEqual([b.id]); // a was the most loaded
    expect(h.state<{ targets: Map<string, Entry> }>().targets.get(key)!.lastMod).toBe(25_001);
    h.now = 100_000; // a single member never shrinks
    expect(h.pick(key)).toBe(b);
    expect(setOf(h, key)).toEqual([b.id]);
  });

  it('when the most-loaded member is also the least loaded, n is re-picked from the rest', () => {
    const { h, bs, key } = onFirst(3);
    const [a, b] = bs as [B, B, B];
    loads(bs, 70, 10, 50);
    expect(h.pick(key)).toBe(b); // [a, b] at t = 0
    loads(bs, 5, 5, 5); // a tie: m is the earliest member (a); n by rendezvous
    h.now = 20_001;
    const n = h.pick(key)!;
    expect(setOf(h, key)).toEqual([b.id]);
    expect(n).toBe(b);
    void a;
  });

  it('a trigger after K seconds adds the new node and drops the most loaded at once (a move, as in the paper)', () => {
    const { h, bs, key } = onFirst(3);
    const [a, , c] = bs as [B, B, B];
    h.now = 60_000; // the single-member set has been unchanged for 60 s
    loads(bs, 66, 30, 10);
    expect(h.pick(key)).toBe(c);
    expect(setOf(h, key)).toEqual([c.id]);
    void a;
  });

  it('with no trigger ever, it decides exactly like lard (random runs)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: 30 }),
            ls: fc.array(fc.integer({ min: 0, max: 65 }), { minLength: 8, maxLength: 8 }),
            dt: fc.integer({ min: 0, max: 60_000 }),
          }),
          { maxLength: 200 },
        ),
        (n, ops) => {
          const b1 = backends(n);
          const b2 = backends(n);
          const hl = new H(lard, b1);
          const hr = new H(lardR, b2);
          for (const { k, ls, dt } of ops) {
            loads(b1, ...ls.slice(0, n));
            loads(b2, ...ls.slice(0, n));
            hl.now += dt;
            hr.now += dt;
            expect(hr.pick(`/t/${k}`)!.id).toBe(hl.pick(`/t/${k}`)!.id);
            expect(setOf(hr, `/t/${k}`)!.length).toBe(1);
          }
        },
      ),
      { seed: 505, numRuns: 200 },
    );
  });

  it('random runs: sets grow only on triggers and shrink only after K unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: 3 }),
            ls: fc.array(fc.integer({ min: 0, max: 140 }), { minLength: 5, maxLength: 5 }),
            dt: fc.integer({ min: 0, max: 30_000 }),
          }),
          { maxLength: 150 },
        ),
        (ops) => {
          const bs = backends(5);
          const h = new H(lardR, bs);
          for (const { k, ls, dt } of ops) {
            loads(bs, ...ls);
            h.now += dt;
            const key = `/t/${k}`;
            const e = h.state<{ targets: Map<string, Entry> }>().targets.get(key);
            const before = e?.set.slice();
            const lastMod = e?.lastMod ?? 0;
            const got = h.pick(key)!;
            const after = setOf(h, key)!;
            expect(after).toContain(got.id);
            if (before === undefined) continue;
            const ms = before.map((id) => bs.find((b) => b.id === id)!);
            const n = ms.reduce((x, y) => (y.active < x.active ? y : x));
            const trigger = (n.active > 65 && bs.some((b) => b.active < 25)) || n.active >= 130;
            const old = h.now - lastMod > 20_000 && (before.length > 1 || trigger);
            const grown = after.filter((id) => !before.includes(id));
            const dropped = before.filter((id) => !after.includes(id));
            expect(grown.length).toBe(trigger && !before.includes(got.id) ? 1 : 0);
            expect(dropped.length).toBeLessThanOrEqual(old ? 1 : 0);
            if (dropped.length === 1) {
              const m = bs.find((b) => b.id === dropped[0])!;
              expect(Math.max(...ms.map((b) => b.active))).toBe(m.active);
            }
            if (!trigger && !old) expect(after).toEqual(before);
          }
        },
      ),
      { seed: 506, numRuns: 300 },
    );
  });

  it('drained members are never chosen; down members are dropped as stale', () => {
    const { h, bs, key } = onFirst(3);
    const [a, b, c] = bs as [B, B, B];
    loads(bs, 70, 10, 50);
    h.pick(key); // [a, b]
    loads(bs, 0, 10, 10);
    drain(a);
    h.changed();
    expect(h.pick(key)).toBe(b);
    b.state = 'down';
    h.changed();
    const x = h.pick(key)!; // only drained a left: the least-loaded backend (c) joins
    expect(x).toBe(c);
    expect(setOf(h, key)).toEqual([a.id, c.id]);
  });

  it('admission is lard’s: S = (N−1)·T_high + T_low − 1', () => {
    expect(new H(lardR, backends(8)).admission()).toBe(479);
    expect(new H(lardR, backends(8), { tLow: 10, tHigh: 20 }).admission()).toBe(149);
  });

  it('requests without a key go to the least-loaded backend and are not remembered', () => {
    const bs = backends(3);
    const h = new H(lardR, bs);
    loads(bs, 3, 2, 2);
    expect(h.pick(undefined)).toBe(bs[1]);
    expect(h.state<{ targets: Map<string, Entry> }>().targets.size).toBe(0);
  });
});
