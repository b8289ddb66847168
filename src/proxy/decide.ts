// The routing decision for one request: pure and synchronous over the router's state.
import type { PoolRuntime } from '../pools/pool.js';
import type { BackendState } from '../pools/backend.js';
import type { PickContext } from '../schedulers/types.js';
import { choose, type AffinityDecision } from '../affinity/choose.js';
import type { AffinityInput } from '../affinity/core.js';

export interface Decision {
  backend: BackendState | null;
  /** How the backend was chosen: written for `peek` decisions (explain) only, '' otherwise. */
  reason: string;
  /** The affinity pin used or made (pools with affinity). */
  pin?: AffinityDecision['pin'];
  /** A Set-Cookie value for the response ('cookie' affinity). */
  setCookie?: string | undefined;
}

/**
 * Choose a backend of `pool` for a request. `peek` runs the scheduler on a copy of its state
 * (explain must not move any cursor).
 */
export function decide(pool: PoolRuntime, ctx: PickContext, peek = false, aff?: AffinityInput): Decision {
  // AFFINITY HOOK: a pin on a usable backend wins (even a drained one); otherwise pick and pin.
  if (aff !== undefined && pool.spec.affinity !== 'none') return choose(pool, ctx, peek, aff, schedule);
  return schedule(pool, ctx, peek);
}

/** The pool's scheduler alone. */
function schedule(pool: PoolRuntime, ctx: PickContext, peek: boolean): Decision {
  const backend = peek ? pool.peek(ctx) : pool.pick(ctx);
  return {
    backend,
    reason: !peek ? '' : backend
      ? `scheduler ${pool.spec.scheduler}${ctx.key !== undefined && pool.def.hashing ? ` on ${pool.spec.hashKey.kind} key ${JSON.stringify(ctx.key)}` : ''}`
      : `scheduler ${pool.spec.scheduler} found no eligible backend`,
  };
}
