// lard — locality-aware request distribution (docs/schedulers.md#lard-and-lard-r-locality-aware-request-distribution, Pai et al. ASPLOS 1998): each
// target sticks to one backend, moved to the least-loaded one only when its backend's load passes
// T_high while another is below T_low, or reaches 2·T_high. The router admits at most S requests.
import { murmur3 } from './hash.js';
import {
  lardParams, lardScheduler, lardTrigger, leastLoaded, lookup, remember, scaleOf, type LardParams, type LardState,
} from './lard-core.js';
import { locate } from './locate.js';
import { defineScheduler, eligible, type BackendView, type PickContext } from './types.js';

interface Entry {
  id: string;
  lastUse: number;
}

type State = LardState<Entry>;

function pick(ctx: PickContext, backends: readonly BackendView[], st: State, p: LardParams): BackendView | null {
  const key = ctx.key;
  if (key === undefined) return leastLoaded(st, backends, ctx.avoid, undefined);
  const en = lookup(st, key, ctx.now, p.targetTtl * 1000);
  if (en !== undefined) {
    const n = locate(st, backends, en.id);
    if (n !== undefined && eligible(n, ctx.avoid) && !lardTrigger(n, backends, ctx.avoid, scaleOf(backends, ctx.avoid), p)) return n;
  }
  // unknown target, its backend drained/down/removed, or a trigger fired: least-loaded backend
  const b = leastLoaded(st, backends, ctx.avoid, murmur3(key));
  if (b === null) return null;
  if (en !== undefined) en.id = b.id;
  else remember(st, key, { id: b.id, lastUse: ctx.now }, p.maxTargets);
  return b;
}

export const lard = defineScheduler<LardParams, State>({
  name: 'lard',
  family: 'locality',
  hashing: true,
  ...lardParams,
  create: (params) => lardScheduler(params, pick),
});
