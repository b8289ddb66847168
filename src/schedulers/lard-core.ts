// What lard and lard-r share (docs/schedulers.md#lard-and-lard-r-locality-aware-request-distribution, Pai et al. ASPLOS 1998): parameters, weight-
// normalised loads, the T_low / T_high / 2·T_high reassignment trigger, least-loaded choice with
// rendezvous-hash ties, the admission bound S, and a bounded target map (LRU + TTL).
import { fmix32, murmur3 } from './hash.js';
import { declareParams, int, num, Type } from './params.js';
import { positionsOf } from './locate.js';
import { argmin } from './select.js';
import { eligible, type BackendView, type PickContext, type Problem, type Scheduler } from './types.js';

/** lard's parameters; lard-r adds replicaTtl. */
export const lardParamProps = {
  tLow: num(25, 'T_low: a load (in flight per unit of weight) below which a backend is underused', { minimum: 0 }),
  tHigh: num(65, 'T_high: a load above which a target moves when another backend is below T_low (at 2·T_high, always); > tLow', { minimum: 1 }),
  admission: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1 }), Type.Literal(false)], {
    default: 'auto', errorMessage: "must be 'auto', a positive integer or false",
    description: "bound S on requests in flight at the pool: 'auto' = (N−1)·T_high + T_low − 1, a number, or false (none)",
  }),
  maxTargets: int(100_000, 'most targets remembered (least recently used out first)', { minimum: 1 }),
  targetTtl: num(86_400, 'seconds a target may stay unused before it is forgotten', { minimum: 1 }),
};

/** tHigh must exceed tLow. */
export function refineLard<P extends { tLow: number; tHigh: number }>(p: P, at: string, problems: Problem[]): P {
  if (p.tLow < p.tHigh) return p;
  problems.push({ path: `${at}.tHigh`, message: `must be greater than tLow (${p.tLow}), got ${p.tHigh}` });
  return { ...p, tHigh: Math.max(65, p.tLow + 1) };
}

export const lardParams = declareParams(lardParamProps, refineLard);
export type LardParams = ReturnType<typeof lardParams.parse>;

/** S for the current backends (LARD's bound on requests outstanding at the pool). */
export function admissionLimit(p: LardParams, backends: readonly BackendView[]): number | undefined {
  if (p.admission === false) return undefined;
  if (typeof p.admission === 'number') return p.admission;
  let n = 0;
  for (const b of backends) if (eligible(b)) n++;
  if (n === 0) return undefined; // nothing to wait for: let the pick fail fast with 503
  return Math.max(1, Math.floor((n - 1) * p.tHigh + p.tLow - 1));
}

/**
 * The eligible set's weight sum W and size n. A backend's normalised load is load·(W/n)/w, so
 * "normalised load > T" is load·W > T·n·w (cross-multiplied: equal weights reduce to the paper).
 */
export interface Scale {
  wSum: number;
  count: number;
}

export function scaleOf(backends: readonly BackendView[], avoid: ReadonlySet<string> | undefined): Scale {
  let wSum = 0;
  let count = 0;
  for (const b of backends) {
    if (eligible(b, avoid)) {
      wSum += b.weight;
      count++;
    }
  }
  return { wSum, count };
}

/** load(n) > T_high with some eligible backend below T_low, or load(n) ≥ 2·T_high. */
export function lardTrigger(
  n: BackendView, backends: readonly BackendView[], avoid: ReadonlySet<string> | undefined, sc: Scale, p: LardParams,
): boolean {
  const ln = n.active * sc.wSum;
  if (ln >= 2 * p.tHigh * sc.count * n.weight) return true;
  if (ln <= p.tHigh * sc.count * n.weight) return false;
  for (const b of backends) {
    if (eligible(b, avoid) && b.active * sc.wSum < p.tLow * sc.count * b.weight) return true;
  }
  return false;
}

/** Rendezvous score of (target, backend): a well-mixed combination of the two hashes. */
export function rendezvous(targetHash: number, idHash: number): number {
  return fmix32((targetHash ^ Math.imul(idHash, 0x9e3779b1)) >>> 0);
}

export interface IdHashes {
  idHash: Map<string, number>;
}

function idHashOf(st: IdHashes, id: string): number {
  let h = st.idHash.get(id);
  if (h === undefined) {
    h = murmur3(id, 0x5bd1e995);
    st.idHash.set(id, h);
  }
  return h;
}

/**
 * The least-loaded (normalised: load/w, cross-multiplied) backend among `cands` that are
 * eligible. Ties go to the highest rendezvous score for `targetHash`, or to the earliest when
 * there is no target.
 */
export function leastLoaded(
  st: IdHashes, cands: readonly BackendView[], avoid: ReadonlySet<string> | undefined, targetHash: number | undefined,
): BackendView | null {
  if (targetHash === undefined) return argmin(cands, avoid, 'in-flight', true);
  let best: BackendView | null = null;
  let bestScore = -1;
  for (const b of cands) {
    if (!eligible(b, avoid)) continue;
    if (best === null) {
      best = b;
      bestScore = -1;
      continue;
    }
    const x = b.active * best.weight;
    const y = best.active * b.weight;
    if (x < y) {
      best = b;
      bestScore = -1;
    } else if (x === y) {
      if (bestScore < 0) bestScore = rendezvous(targetHash, idHashOf(st, best.id));
      const s = rendezvous(targetHash, idHashOf(st, b.id));
      if (s > bestScore) {
        best = b;
        bestScore = s;
      }
    }
  }
  return best;
}

/**
 * A bounded target map. Entries are updated in place (no re-insertion: iterating a Map after
 * many delete/set pairs is slow in V8); expired entries are swept once a minute of `now`, and
 * beyond `max` the least recently used tenth is evicted at once.
 */
export interface Targets<E extends { lastUse: number }> {
  targets: Map<string, E>;
  /** next sweep time (ms) */
  sweepAt: number;
}

const SWEEP_EVERY = 60_000;

function sweep<E extends { lastUse: number }>(st: Targets<E>, now: number, ttlMs: number): void {
  for (const [k, e] of st.targets) if (now - e.lastUse > ttlMs) st.targets.delete(k);
  st.sweepAt = now + SWEEP_EVERY;
}

/** The live entry for `key` (lastUse refreshed), or undefined if absent or expired. */
export function lookup<E extends { lastUse: number }>(st: Targets<E>, key: string, now: number, ttlMs: number): E | undefined {
  if (now >= st.sweepAt) sweep(st, now, ttlMs);
  const e = st.targets.get(key);
  if (e === undefined) return undefined;
  if (now - e.lastUse > ttlMs) {
    st.targets.delete(key);
    return undefined;
  }
  e.lastUse = now;
  return e;
}

/** Remember `e` for `key`; beyond `max` entries, forget the least recently used tenth. */
export function remember<E extends { lastUse: number }>(st: Targets<E>, key: string, e: E, max: number): void {
  st.targets.set(key, e);
  if (st.targets.size <= max) return;
  const keep = max - Math.max(1, Math.floor(max / 10));
  const uses = new Float64Array(st.targets.size);
  let i = 0;
  for (const x of st.targets.values()) uses[i++] = x.lastUse;
  uses.sort();
  const cut = uses[uses.length - keep - 1]!; // the newest lastUse among those to forget
  let excess = st.targets.size - keep;
  for (const [k, x] of st.targets) {
    if (x.lastUse < cut && k !== key) {
      st.targets.delete(k);
      excess--;
    }
  }
  for (const [k, x] of st.targets) {
    if (excess <= 0) break;
    if (x.lastUse === cut && k !== key) {
      st.targets.delete(k);
      excess--;
    }
  }
}

/** State shared by lard and lard-r: the target table, backend positions and id hashes. */
export interface LardState<E extends { lastUse: number }> extends Targets<E> {
  pos: Map<string, number>;
  idHash: Map<string, number>;
}

/** The scheduler object of lard and lard-r around their own `pick`, with the admission bound S. */
export function lardScheduler<P extends LardParams, E extends { lastUse: number }>(
  params: P,
  pickFn: (ctx: PickContext, backends: readonly BackendView[], st: LardState<E>, p: P) => BackendView | null,
): Scheduler<LardState<E>> {
  return {
    init: (backends, now) => ({ targets: new Map(), sweepAt: now + 60_000, pos: positionsOf(backends), idHash: new Map() }),
    pick: (ctx, backends, st) => pickFn(ctx, backends, st, params),
    onBackendsChanged(st, backends) {
      st.pos = positionsOf(backends);
      return st;
    },
    admissionLimit: (_st, backends) => admissionLimit(params, backends),
  };
}
