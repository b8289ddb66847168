// The routing decision for one request: pure and synchronous over the router's state.
import type { PoolRuntime } from '../pools/pool.js';
import type { BackendState } from '../pools/backend.js';
import type { PickContext } from '../schedulers/types.js';

export interface Decision {
  backend: BackendState | null;
  /** How the backend was chosen, for explain and logs. */
  reason: string;
}

/**
 * Choose a backend of `pool` for a request. `peek` runs the scheduler on a copy of its state
 * (explain must not move any cursor).
 */
export function decide(pool: PoolRuntime, ctx: PickContext, peek = false): Decision {
  // AFFINITY HOOK: a pin on a usable backend wins (even a drained one); otherwise pick and pin.
  const backend = peek ? pool.peek(ctx) : pool.pick(ctx);
  return {
    backend,
    reason: backend
      ? `scheduler ${pool.spec.scheduler}${ctx.key !== undefined && pool.def.hashing ? ` on ${pool.spec.hashKey.kind} key ${JSON.stringify(ctx.key)}` : ''}`
      : `scheduler ${pool.spec.scheduler} found no eligible backend`,
  };
}
