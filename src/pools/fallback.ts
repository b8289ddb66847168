// Fallback pools (`pools.<name>.fallback`): a pool with no backend taking new work hands its
// requests to the next pool along its fallback chain that has one. Validation rules out cycles
// (src/config/failover.ts); the walk is bounded anyway. Pure: it reads the pools' `up` flags.
import type { Pool as PoolSpec, Sorry } from '../config/normalized.js';
import type { PoolRuntime } from './pool.js';

/**
 * The pool that serves a request routed to `first`, and the pools passed over on the way.
 * When no pool along the chain is up, `first` itself (its decision then finds no backend).
 */
export function fallbackPool(pools: ReadonlyMap<string, PoolRuntime>, first: PoolRuntime): { pool: PoolRuntime; skipped: string[] } {
  const skipped: string[] = [];
  let p: PoolRuntime | undefined = first;
  while (p !== undefined && !p.up && skipped.length < pools.size) {
    skipped.push(p.name);
    p = p.spec.fallback === undefined ? undefined : pools.get(p.spec.fallback);
  }
  return p !== undefined && p.up ? { pool: p, skipped } : { pool: first, skipped: [] };
}

/** The sorry answer for a request routed to pool `name`: the first one set along its fallback chain. */
export function sorryFor(pools: Readonly<Record<string, PoolSpec>>, name: string): Sorry | undefined {
  const seen = new Set<string>();
  let p: PoolSpec | undefined = pools[name];
  while (p !== undefined && !seen.has(p.name)) {
    if (p.sorry !== undefined) return p.sorry;
    seen.add(p.name);
    p = p.fallback === undefined ? undefined : pools[p.fallback];
  }
  return undefined;
}
