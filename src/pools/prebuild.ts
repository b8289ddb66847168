// Large scheduler tables for a config about to be applied, built where it is loaded (a worker,
// src/config/load-worker.ts) so that swapping it in stays cheap. The backend list each pool will
// have after src/pools/reconcile.ts is predicted from hints about the running pools; when a
// prediction turns out wrong the scheduler simply builds its table itself.
import type { Config } from '../config/normalized.js';
import { chblPrebuild, type ChblParams } from '../schedulers/chbl.js';
import { mhPrebuild, type MhParams } from '../schedulers/mh.js';
import { getScheduler } from '../schedulers/registry.js';
import { available } from '../schedulers/types.js';
import type { PoolRuntime } from './pool.js';

/** What the running pools look like: per pool, per backend id (backends not being removed). */
export type PoolHints = Record<string, Record<string, { available: boolean; lastWeight: number }>>;

export interface Prebuilt {
  tables: Map<string, unknown>;
  /** The typed arrays' buffers, to transfer rather than copy. */
  buffers: ArrayBuffer[];
}

export function poolHints(pools: ReadonlyMap<string, PoolRuntime>): PoolHints {
  const out: PoolHints = {};
  for (const [name, p] of pools) {
    const h: PoolHints[string] = {};
    for (const b of p.backends) if (!b.removing) h[b.id] = { available: available(b), lastWeight: b.lastWeight };
    out[name] = h;
  }
  return out;
}

/** Available backends of a pool after reconcile, in list order, with their lastWeight. */
export function predictLive(spec: Config['pools'][string], hint: PoolHints[string] | undefined): { id: string; lastWeight: number }[] {
  const live: { id: string; lastWeight: number }[] = [];
  for (const nb of spec.backends) {
    if (nb.backup) continue; // the scheduler's table holds the primaries (src/pools/backup.ts)
    const old = hint?.[nb.id];
    if (old && !old.available) continue;
    live.push({ id: nb.id, lastWeight: nb.weight > 0 ? nb.weight : old ? old.lastWeight : 1 });
  }
  return live;
}

export function prebuildTables(config: Config, hints: PoolHints = {}): Prebuilt {
  const tables = new Map<string, unknown>();
  const buffers: ArrayBuffer[] = [];
  for (const spec of Object.values(config.pools)) {
    const name = getScheduler(spec.scheduler)?.name;
    if (name !== 'mh' && name !== 'chbl') continue;
    const live = predictLive(spec, hints[spec.name]);
    if (name === 'mh') {
      const { key, table } = mhPrebuild((spec.params as MhParams).tableSize, live);
      if (tables.has(key)) continue;
      tables.set(key, table);
      buffers.push(table.buffer as ArrayBuffer);
    } else {
      const { key, ring } = chblPrebuild((spec.params as ChblParams).minRingSize, live);
      if (tables.has(key)) continue;
      tables.set(key, ring);
      buffers.push(ring.points.buffer as ArrayBuffer, ring.owner.buffer as ArrayBuffer, ring.index.buffer as ArrayBuffer);
    }
  }
  return { tables, buffers };
}
