import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { PoolRuntime } from '../../src/pools/pool.js';
import type { BackendState } from '../../src/pools/backend.js';
import { lard } from '../../src/schedulers/lard.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import { seededRng } from '../../src/schedulers/rng.js';
import { H, backends, drain, keys, loads, parse, undrain, type B } from './locality-kit.js';

const paths = (raw: Record<string, unknown>): string[] => parse(lard, raw).problems.map((p) => p.path);

describe('lard', () => {
  it('is registered with tLow 25, tHigh 65, admission auto and bounded memory', () => {
    expect(getScheduler('lard')).toBe(lard);
    expect(parse(lard).params).toEqual({ tLow: 25, tHigh: 65, admission: 'auto', maxTargets: 100_000, targetTtl: 86_400 });
    expect(parse(lard, { admission: false, tLow: 5, tHigh: 10 }).params).toMatchObject({ admission: false, tLow: 5, tHigh: 10 });
    expect(parse(lard, { admission: 300 }).params).toMatchObject({ admission: 300 });
    expect(paths({ tLow: 70 })).toEqual(['pools.p.tHigh']);
    expect(paths({ tHigh: -1 })).toEqual(['pools.p.tHigh']);
    expect(paths({ admission: 'yes' })).toEqual(['pools.p.admission']);
    expect(paths({ admission: 0 })).toEqual(['pools.p.admission']);
    expect(paths({ maxTargets: 0, targetTtl: 'x' })).toEqual(['pools.p.maxTargets', 'pools.p.targetTtl']);
  });

  it('config validation reports a bad parameter with its key path', () => {
    const { problems } = validate({
      pools: { p: { scheduler: 'lard', tLow: 80, backends: ['http://127.0.0.1:9001'] } },
      routes: [{ match: {}, pool: 'p' }],
    });
    expect(problems.map((p) => p.path)).toEqual(['pools.p.tHigh']);
  });

  it('property 1: sequential requests for 10 000 targets on an idle cluster of 8 spread 1250 ± 120 each', () => {
    const bs = backends(8);
    const h = new H(lard, bs);
    const count = new Map<string, number>();
    for (const k of keys(10_000)) {
      const b = h.start(k)!;
      h.end(b);
      count.set(b.id, (count.get(b.id) ?? 0) + 1);
    }
    expect(count.size).toBe(8);
    for (const c of count.values()) expect(Math.abs(c - 1250)).toBeLessThanOrEqual(120);
  });

  it('property 3: exactly the two triggers move a target — (66, 24, …) moves, (66, 25, 25 …) stays, 130 moves', () => {
    const bs = backends(4);
    const h = new H(lard, bs);
    const n = h.pick('/x')!;
    const others = bs.filter((b) => b !== n);
    const set = (load: number, rest: number[]) => {
      n.active = load;
      others.forEach((b, i) => (b.active = rest[i]!));
    };
    set(66, [25, 25, 25]);
    expect(h.pick('/x')).toBe(n);
    set(65, [0, 0, 0]); // not above T_high
    expect(h.pick('/x')).toBe(n);
    set(129, [25, 30, 40]); // below 2·T_high, nobody under T_low
    expect(h.pick('/x')).toBe(n);
    set(66, [24, 30, 40]);
    const m = h.pick('/x')!;
    expect(m).toBe(others[0]);
    // the target now lives on m
    n.active = 0;
    m.active = 30;
    expect(h.pick('/x')).toBe(m);
    // 2·T_high moves it even when no node is idle
    m.active = 130;
    n.active = 100;
    others.filter((b) => b !== m).forEach((b) => (b.active = 90));
    expect(h.pick('/x')!.active).toBe(90);
  });

  it('property 2: a known target moves iff a trigger fires, and then to a least-loaded backend (random loads)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.array(fc.integer({ min: 0, max: 140 }), { minLength: 8, maxLength: 8 })), { maxLength: 150 }),
        (N, ops) => {
          const bs = backends(N);
          const h = new H(lard, bs);
          const owner = new Map<string, B>();
          for (const [k, ls] of ops) {
            loads(bs, ...ls.slice(0, N));
            const key = `/t/${k}`;
            const got = h.pick(key)!;
            const min = Math.min(...bs.map((b) => b.active));
            const prev = owner.get(key);
            if (prev === undefined) expect(got.active).toBe(min);
            else {
              const trigger = (prev.active > 65 && bs.some((b) => b.active < 25)) || prev.active >= 130;
              if (trigger) expect(got.active).toBe(min);
              else expect(got).toBe(prev);
            }
            owner.set(key, got);
          }
        },
      ),
      { seed: 404, numRuns: 300 },
    );
  });

  it('weights normalise loads by mean(w)/w: a weight-2 backend is at T_high with twice the requests', () => {
    const bs = backends(2, (i) => (i === 0 ? 2 : 1)); // mean weight 1.5
    const [a, b] = bs as [B, B];
    const h = new H(lard, bs);
    const key = keys(50).find((k) => h.peek(k) === a)!; // a target the idle tie gives to a
    expect(h.pick(key)).toBe(a);
    loads(bs, 86, 16); // a: 86·1.5/2 = 64.5 ≤ 65 → stays
    expect(h.pick(key)).toBe(a);
    loads(bs, 87, 17); // a: 65.25 > 65 but b: 17·1.5 = 25.5 is not below 25 → stays
    expect(h.pick(key)).toBe(a);
    loads(bs, 87, 16); // b: 24 < 25 → moves
    expect(h.pick(key)).toBe(b);
    loads(bs, 20, 44); // b at 66 normalised, a at 15: moves back, to the least normalised load
    expect(h.pick(key)).toBe(a);
  });

  it('drained, down or removed backends make the target unknown again', () => {
    const bs = backends(3);
    const h = new H(lard, bs);
    const n = h.pick('/x')!;
    drain(n);
    h.changed();
    const m = h.pick('/x')!;
    expect(m).not.toBe(n);
    undrain(n);
    h.changed();
    expect(h.pick('/x')).toBe(m); // remembered the new one
    m.state = 'down';
    h.changed();
    const o = h.pick('/x')!;
    expect([m.id]).not.toContain(o.id);
    h.changed(bs.filter((b) => b !== o));
    m.state = 'active';
    expect(h.pick('/x')).not.toBe(o);
    for (const b of h.bs) drain(b);
    expect(h.pick('/x')).toBeNull();
  });

  it('admission S = (N−1)·T_high + T_low − 1 over eligible backends (N = 8 → 479), a number, or none', () => {
    const bs = backends(8);
    const h = new H(lard, bs);
    expect(h.admission()).toBe(479);
    drain(bs[0]!);
    expect(h.admission()).toBe(414);
    expect(new H(lard, backends(1)).admission()).toBe(24);
    expect(new H(lard, backends(4), { admission: 100 }).admission()).toBe(100);
    expect(new H(lard, backends(4), { admission: false }).admission()).toBeUndefined();
    for (const b of bs) drain(b);
    expect(h.admission()).toBeUndefined(); // nothing to wait for: the pick fails fast with 503
  });

  it('property 4: through the pool, in-flight never exceeds S (N = 8 → 479) while extra requests wait FIFO', () => {
    const { config, problems } = validate({
      pools: { p: { scheduler: 'lard', backends: Array.from({ length: 8 }, (_, i) => `http://127.0.0.1:${9001 + i}`) } },
      routes: [{ match: {}, pool: 'p' }],
    });
    expect(problems).toEqual([]);
    const pool = new PoolRuntime(config!.pools.p!, 0);
    expect(pool.admissionLimit()).toBe(479);
    const rnd = seededRng(7);
    const inflight: BackendState[] = [];
    let maxSeen = 0;
    let queuedMax = 0;
    let served = 0;
    const attempt = (key: string) => {
      const b = pool.pick({ key, clientIp: '127.0.0.1', clientPort: 1, now: 0 })!;
      pool.start(b, 0);
      inflight.push(b);
      served++;
      maxSeen = Math.max(maxSeen, pool.inFlight);
    };
    for (let i = 0; i < 20_000; i++) {
      if (rnd() < 0.55) {
        const key = `/obj/${Math.floor(1 / (rnd() + 0.001))}`;
        const limit = pool.admissionLimit();
        if (limit !== undefined && pool.inFlight >= limit) pool.waiting.push(() => attempt(key));
        else attempt(key);
        queuedMax = Math.max(queuedMax, pool.waiting.length);
      } else if (inflight.length > 0) {
        const [b] = inflight.splice(Math.floor(rnd() * inflight.length), 1);
        pool.end(b!, 1, true, 0);
      }
      expect(pool.inFlight).toBeLessThanOrEqual(479);
    }
    expect(maxSeen).toBe(479);
    expect(queuedMax).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(9000);
  });

  it('forgets the least recently used target beyond maxTargets and unused ones after targetTtl', () => {
    const bs = backends(2);
    const h = new H(lard, bs, { maxTargets: 10, targetTtl: 10 });
    const T = () => h.state<{ targets: Map<string, unknown> }>().targets;
    for (let i = 0; i < 10; i++) {
      h.now = i;
      h.pick(`/k${i}`);
    }
    h.now = 10;
    h.pick('/k0'); // used again: now the most recent of the first ten
    h.now = 11;
    h.pick('/new'); // 11 > 10: the least recently used tenth (at least one) goes, down to 9
    expect(T().size).toBe(9);
    expect(T().has('/k1')).toBe(false);
    expect(T().has('/k2')).toBe(false);
    expect(T().has('/k0')).toBe(true);
    expect(T().has('/new')).toBe(true);
    h.now = 0;
    h.pick('/a');
    const n = h.pick('/a')!;
    const other = bs.find((b) => b !== n)!;
    n.active = 5; // loaded but no trigger: /a stays
    h.now = 10_000;
    expect(h.pick('/a')).toBe(n);
    h.now = 20_001; // unused for more than 10 s: forgotten, so the least-loaded backend takes it
    expect(h.pick('/a')).toBe(other);
    h.now = 200_000; // the once-a-minute sweep drops every target idle for longer than targetTtl
    h.pick('/z');
    expect([...T().keys()]).toEqual(['/z']);
  });

  it('a retry avoids the backend already tried and remembers the new one', () => {
    const bs = backends(3);
    const h = new H(lard, bs);
    const n = h.pick('/x')!;
    const m = h.pick('/x', { avoid: new Set([n.id]) })!;
    expect(m).not.toBe(n);
    expect(h.pick('/x')).toBe(m);
  });

  it('requests without a key go to the least-loaded backend (earliest on ties) and are not remembered', () => {
    const bs = backends(3);
    const h = new H(lard, bs);
    expect(h.pick(undefined)).toBe(bs[0]);
    loads(bs, 2, 1, 1);
    expect(h.pick(undefined)).toBe(bs[1]);
    expect(h.state<{ targets: Map<string, unknown> }>().targets.size).toBe(0);
  });

  it('explain peeks on a clone without moving anything', () => {
    const bs = backends(4);
    const h = new H(lard, bs);
    for (const k of keys(20)) expect(h.peek(k)).toBe(h.pick(k));
    expect(h.state<{ targets: Map<string, unknown> }>().targets.size).toBe(20);
  });
});
