// lard-r — LARD with replication (docs/schedulers.md#lard-and-lard-r-locality-aware-request-distribution, Pai et al. ASPLOS 1998): each target maps to
// a server set. Requests go to the set's least-loaded member; on the LARD trigger the set grows by
// the cluster's least-loaded backend; after K = replicaTtl seconds without change it loses its most
// loaded member. With no trigger it decides exactly like lard.
import { murmur3 } from './hash.js';
import {
  lardParamProps, lardScheduler, lardTrigger, leastLoaded, lookup, refineLard, remember, scaleOf, type LardState,
} from './lard-core.js';
import { locate } from './locate.js';
import { declareParams, num } from './params.js';
import { argmax } from './select.js';
import { available, defineScheduler, type BackendView, type PickContext } from './types.js';

const lardRParams = declareParams({
  ...lardParamProps,
  replicaTtl: num(20, 'K, seconds a multi-member server set must stay unchanged before it shrinks', { minimum: 0 }),
}, refineLard);
export type LardRParams = ReturnType<typeof lardRParams.parse>;

interface Entry {
  /** member ids in the order they were added */
  set: string[];
  lastMod: number;
  lastUse: number;
}

type State = LardState<Entry>;

/** Most loaded member with weight > 0 (normalised load/w, cross-multiplied); ties → earliest added. */
const mostLoaded = (ms: readonly BackendView[]): BackendView | null => argmax(ms, 'in-flight', true);

function pick(ctx: PickContext, backends: readonly BackendView[], st: State, p: LardRParams): BackendView | null {
  const key = ctx.key;
  if (key === undefined) return leastLoaded(st, backends, ctx.avoid, undefined);
  const now = ctx.now;
  const th = murmur3(key);
  const en = lookup(st, key, now, p.targetTtl * 1000);
  // members still in the service (down / disabled / removed ones are stale and dropped)
  const ms: BackendView[] = [];
  if (en !== undefined) {
    for (const id of en.set) {
      const b = locate(st, backends, id);
      if (b !== undefined && available(b)) ms.push(b);
    }
    if (ms.length !== en.set.length) en.set = ms.map((b) => b.id);
  }
  if (en === undefined || ms.length === 0) {
    // 1. empty set: the least-loaded backend
    const b = leastLoaded(st, backends, ctx.avoid, th);
    if (b === null) return null;
    if (en !== undefined) {
      en.set = [b.id];
      en.lastMod = now;
    } else remember(st, key, { set: [b.id], lastMod: now, lastUse: now }, p.maxTargets);
    return b;
  }
  // 2. n = least-loaded eligible member, m = most-loaded member
  let n = leastLoaded(st, ms, ctx.avoid, th);
  const m = mostLoaded(ms);
  let changed = false;
  if (n === null || lardTrigger(n, backends, ctx.avoid, scaleOf(backends, ctx.avoid), p)) {
    // trigger (or no member can take it): add the cluster's least-loaded backend
    const q = leastLoaded(st, backends, ctx.avoid, th);
    if (q === null) return null;
    if (!en.set.includes(q.id)) {
      en.set.push(q.id);
      changed = true;
    }
    n = q;
  }
  // 3. shrink: drop the most loaded member after K seconds without change
  if (en.set.length > 1 && m !== null && now - en.lastMod > p.replicaTtl * 1000) {
    const rest = en.set.filter((id) => id !== m.id);
    if (m.id !== n.id) {
      en.set = rest;
      changed = true;
    } else {
      const others = rest.map((id) => locate(st, backends, id)).filter((b): b is BackendView => b !== undefined);
      const n2 = leastLoaded(st, others, ctx.avoid, th);
      if (n2 !== null) {
        en.set = rest;
        changed = true;
        n = n2;
      }
    }
  }
  // 4.
  if (changed) en.lastMod = now;
  return n;
}

export const lardR = defineScheduler<LardRParams, State>({
  name: 'lard-r',
  family: 'locality',
  hashing: true,
  ...lardRParams,
  create: (params) => lardScheduler(params, pick),
});
