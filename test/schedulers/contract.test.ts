// The scheduler contract (src/schedulers/types.ts), checked for EVERY registered scheduler with its
// default parameters: a scheduler added to src/schedulers/registry.ts is tested here by default.
// Inputs are seeded random backend lists (states, weights, loads, overload flags), keys, clients,
// retry sets and membership changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allSchedulers, getScheduler, schedulerNames } from '../../src/schedulers/registry.js';
import { eligible, type BackendView, type PickContext } from '../../src/schedulers/types.js';
import { backendsArb, Harness, mk, type TB } from './core-kit.js';

const defs = allSchedulers();

/** One request: a key from a small set (so keys repeat) or none, a client, a retry set, a clock step. */
interface Req {
  key: string | undefined;
  client: number;
  avoid: number[];
  dt: number;
  dispatch: boolean;
  complete: boolean;
}
const reqArb: fc.Arbitrary<Req> = fc.record({
  key: fc.option(fc.integer({ min: 0, max: 11 }).map((k) => `/k/${k}`), { nil: undefined, freq: 5 }),
  client: fc.integer({ min: 0, max: 5 }),
  avoid: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 2 }),
  dt: fc.constantFrom(0, 0, 1, 250, 70_000),
  dispatch: fc.boolean(),
  complete: fc.boolean(),
});
const reqsArb = fc.array(reqArb, { minLength: 1, maxLength: 25 });

const copy = (bs: readonly TB[]): TB[] => bs.map((b) => ({ ...b }));

function ctxOf(h: Harness<unknown>, r: Req): PickContext {
  const avoid = new Set(r.avoid.filter((i) => i < h.bs.length).map((i) => h.bs[i]!.id));
  return { key: r.key, clientIp: `10.9.0.${r.client}`, clientPort: 4000 + r.client, now: h.now, avoid };
}

/** Pick on a structuredClone of the state, as `explain` does (src/pools/pool.ts peek). */
function peek(h: Harness<unknown>, ctx: PickContext): BackendView | null {
  return h.s.pick(ctx, h.bs, structuredClone(h.st));
}

/**
 * Run requests through h: the contract holds for every pick; returns the chosen ids. Peeks: none;
 * one with the request's own context before each pick (default); or that and one more with
 * another key.
 */
function drive(h: Harness<unknown>, reqs: readonly Req[], peeks: 'none' | 'same' | 'more' = 'same'): (string | null)[] {
  const out: (string | null)[] = [];
  const open: TB[] = [];
  for (const r of reqs) {
    h.now += r.dt;
    const ctx = ctxOf(h, r);
    if (peeks === 'more') peek(h, { ...ctx, key: r.key === undefined ? '/other' : undefined });
    const predicted = peeks === 'none' ? undefined : peek(h, ctx);
    const b = h.s.pick(ctx, h.bs, h.st) as TB | null;
    out.push(b?.id ?? null);
    // the state is all the state: a pick on a copy of it predicts the real pick
    if (predicted !== undefined) expect(predicted?.id ?? null).toBe(b?.id ?? null);
    if (b === null) {
      // null only when no backend can take it … or for hash schedulers, whose key may map to none
      continue;
    }
    expect(h.bs.includes(b)).toBe(true);
    expect(eligible(b, ctx.avoid)).toBe(true);
    if (r.dispatch) {
      b.active++;
      h.s.onStart?.(h.st, b, h.now);
      open.push(b);
    }
    if (r.complete && open.length > 0) {
      const done = open.shift()!;
      done.active--;
      h.s.onEnd?.(h.st, done, 5 + r.client, true, h.now);
    }
  }
  return out;
}

const SEED = 1212;

describe.each(defs.map((d) => [d.name, d] as const))('scheduler contract: %s', (_name, def) => {
  /** Default parameters (what a pool naming only the scheduler gets); Harness checks they parse. */
  const params = {};

  it('returns null when there are no backends, or every backend is down or disabled', () => {
    for (const bs of [[], [mk('a:1', 1, 'down')], [mk('a:1', 3, 'down'), mk('b:1', 2, 'disabled'), mk('c:1', 1, 'down')]]) {
      const h = new Harness(def, bs, params);
      for (const key of [undefined, '/a', '/b', '10.9.0.1']) {
        expect(h.pick(key)).toBeNull();
        expect(h.pick(key, { clientIp: '10.9.0.1' })).toBeNull();
      }
    }
  });

  it('returns null when every backend is drained, at weight 0, overloaded or being retried', () => {
    const bs = [mk('a:1', 0), mk('b:1', 2), mk('c:1', 1), mk('d:1', 1)];
    bs[1]!.state = 'drain';
    bs[1]!.weight = 0;
    bs[2]!.overloaded = true;
    const h = new Harness(def, bs, params);
    for (let i = 0; i < 20; i++) expect(h.pick(`/k/${i}`, { avoid: new Set(['d:1']) })).toBeNull();
    expect(h.pick(undefined, { avoid: new Set(['d:1']) })).toBeNull();
  });

  it('property: every pick is a member of the list and eligible; a pick on a copy of the state predicts it', () => {
    fc.assert(
      fc.property(backendsArb, reqsArb, fc.nat(), (bs, reqs, seed) => {
        const h = new Harness(def, bs, params, seed);
        const ids = drive(h, reqs);
        // null only when nothing is eligible, or (hash schedulers) the key's owner cannot take it
        reqs.forEach((r, i) => {
          if (ids[i] === null && !def.hashing) expect(h.bs.some((b) => eligible(b, ctxOf(h, r).avoid))).toBe(false);
        });
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('property: peeking (picks on structuredClones of the state) does not change later picks', () => {
    fc.assert(
      fc.property(backendsArb, reqsArb, fc.nat(), (bs, reqs, seed) => {
        const plain = drive(new Harness(def, copy(bs), params, seed), reqs, 'none');
        const peeked = drive(new Harness(def, copy(bs), params, seed), reqs, 'more');
        expect(peeked).toEqual(plain);
      }),
      { seed: SEED + 1, numRuns: 40 },
    );
  });

  it('property: removing a backend, adding one anywhere, and the new one as the only one left', () => {
    fc.assert(
      fc.property(backendsArb, reqsArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 5 }), (bs, reqs, gone, at, w) => {
        const h = new Harness(def, bs, params);
        drive(h, reqs);
        // remove one (the pool notifies after a membership change: src/pools/pool.ts changed())
        const removed = h.bs[gone % h.bs.length]!;
        h.bs = h.bs.filter((b) => b !== removed);
        h.changed();
        const after = drive(h, reqs);
        expect(after).not.toContain(removed.id);
        // add one at any position
        const added = mk('10.7.7.7:80', w);
        h.bs.splice(at % (h.bs.length + 1), 0, added);
        h.changed();
        drive(h, reqs);
        // every other backend goes down: each request now goes to the added one
        for (const b of h.bs) if (b !== added) b.state = 'down';
        for (const b of h.bs) b.active = 0;
        h.changed();
        for (const r of reqs) {
          h.now += r.dt;
          expect(h.s.pick({ ...ctxOf(h, r), avoid: undefined }, h.bs, h.st)).toBe(added);
        }
      }),
      { seed: SEED + 2, numRuns: 40 },
    );
  });

  it('property: the same key against the same state and loads goes to the same backend', () => {
    fc.assert(
      fc.property(backendsArb, reqsArb, fc.nat(), (bs, reqs, seed) => {
        const h = new Harness(def, bs, params, seed);
        drive(h, reqs);
        for (const r of reqs) {
          const ctx = { ...ctxOf(h, r), avoid: undefined };
          const snapshot = structuredClone(h.st);
          const a = h.s.pick(ctx, h.bs, structuredClone(snapshot));
          expect(h.s.pick(ctx, h.bs, structuredClone(snapshot))).toBe(a);
          if (def.hashing) {
            // a hash scheduler sticks: picking the key again (no dispatch, same time) repeats it
            const first = h.s.pick(ctx, h.bs, h.st);
            expect(h.s.pick(ctx, h.bs, h.st)).toBe(first);
          }
        }
      }),
      { seed: SEED + 3, numRuns: 40 },
    );
  });
});

describe('scheduler contract: coverage', () => {
  it('runs over the whole registry: every registered name, each resolving to its definition', () => {
    expect(defs.map((d) => d.name)).toEqual(schedulerNames());
    for (const d of defs) expect(getScheduler(d.name)).toBe(d);
  });
});
