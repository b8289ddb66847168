// The admin view of the process-wide affinity table (src/affinity/): figures for the dashboard,
// /metrics and `adm list`, entries for `adm list --connections` (like ipvsadm -Lc).
import type { Router } from '../router.js';

export interface AffinityEntryView {
  kind: string;
  pool: string;
  /** Connection `ip:port#id`, masked client address, header value or cookie session. */
  client: string;
  backend: string;
  /** Seconds until it expires; null while a live connection holds it. */
  expiresIn: number | null;
  /** Live client connections controlled by this entry. */
  live: number;
}

export interface AffinityFigures {
  entries: number;
  maxEntries: number;
  /** Entries by kind: connection entries and persistence templates. */
  byKind: Record<string, number>;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  /** 'memory', or the shared Redis store's state. */
  store: string;
}

export function affinityFigures(router: Router): AffinityFigures {
  const s = router.affinity.stats();
  return {
    entries: s.entries,
    maxEntries: s.maxEntries,
    byKind: { connection: s.connections, template: s.templates },
    hits: s.hits,
    misses: s.misses,
    evictions: s.evictions,
    expirations: s.expirations,
    store: s.store,
  };
}

export function affinityEntries(router: Router, limit: number, pool?: string): AffinityEntryView[] {
  return router.affinity.list({ limit, pool }).map((e) => ({ kind: e.kind, pool: e.pool, client: e.client, backend: e.backend, expiresIn: e.expiresIn, live: e.live }));
}
