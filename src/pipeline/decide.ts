// The pipeline's decide step (issue 12): one backend for one attempt of a routed request or TCP
// connection. Pure and synchronous over the pools' state; the async store read (warm) stays apart.
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

/** What every decision of one request (or TCP connection) reads: made once by the pipeline. */
export interface Choice {
  readonly pool: PoolRuntime;
  /** Updated per attempt (now, avoid). */
  readonly ctx: PickContext;
  /** The pool's affinity input; undefined when the pool has none. */
  readonly aff: AffinityInput | undefined;
}

/** One attempt: the clock, and the backends earlier attempts failed on (retries), then decide. */
export function decideAttempt(c: Choice, avoid: ReadonlySet<string> | undefined): Decision {
  const ctx = c.ctx;
  ctx.now = Date.now();
  ctx.avoid = avoid;
  return decide(c.pool, ctx, false, c.aff);
}

/** The decision explain shows: no scheduler cursor moves, no pin is made. */
export function peekDecision(c: Choice): Decision {
  return decide(c.pool, c.ctx, true, c.aff);
}

/** With a shared affinity store, the one read to wait for before the first decision (affinity/core.ts warm). */
export function warmChoice(c: Choice): Promise<void> | undefined {
  const aff = c.aff;
  return aff !== undefined && c.pool.spec.affinity !== 'none' ? aff.core.warm(c.pool, c.ctx, aff) : undefined;
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
  if (!peek && backend !== null) pool.recent.add(ctx.key, ctx.clientIp, ctx.clientPort, pool.inFlight);
  return {
    backend,
    reason: !peek ? '' : backend
      ? `scheduler ${pool.spec.scheduler}${ctx.key !== undefined && pool.def.hashing ? ` on ${pool.spec.hashKey.kind} key ${JSON.stringify(ctx.key)}` : ''}${backend.backup ? ' among the backups (no primary backend available)' : ''}`
      : `scheduler ${pool.spec.scheduler} found no eligible backend`,
  };
}
