// Cluster mode: the runtime state the primary holds for new workers (src/cli/cluster-control.ts).
// After each admin change the admin worker sends every pool's backends (url, weight, admin state);
// a worker that starts later applies it before it binds its listeners, so a replacement starts
// with the drains, weights, additions and removals the others have.
import type { AdminState } from '../pools/backend.js';
import type { Router } from '../router.js';

export interface HeldBackend { id: string; url: string; weight: number; state: AdminState }
export interface HeldState { pools: Record<string, HeldBackend[]> }

/** The runtime state of every pool; `leaving` (pool, id) is a backend being removed. */
export function heldState(router: Router, leaving?: [string, string]): HeldState {
  const pools: Record<string, HeldBackend[]> = {};
  for (const p of router.pools.values()) {
    pools[p.name] = p.backends
      .filter((b) => !b.removing && !(leaving && leaving[0] === p.name && leaving[1] === b.id))
      .map((b) => ({ id: b.id, url: b.url, weight: b.configWeight, state: b.adminState }));
  }
  return { pools };
}

/** Make this router's pools match `held` (pools the held state does not name stay as loaded). */
export async function applyHeld(router: Router, held: HeldState): Promise<void> {
  const reason = 'runtime change replayed by the cluster primary';
  const c = router.control;
  for (const [name, list] of Object.entries(held.pools)) {
    const pool = router.pools.get(name);
    if (!pool) continue;
    const want = new Map(list.map((b) => [b.id, b]));
    for (const b of [...pool.backends]) if (!b.removing && !want.has(b.id)) await c.remove(name, b.id, 0, reason);
    for (const h of list) {
      const b = pool.backends.find((x) => x.id === h.id && !x.removing) ?? c.add(name, h.url, h.weight, reason);
      if (b.configWeight !== h.weight) c.setWeight(name, h.id, h.weight, reason);
      if (b.adminState !== h.state) c.setState(name, h.id, h.state, reason);
    }
  }
}
