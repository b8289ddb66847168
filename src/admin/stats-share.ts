// Cluster mode: what each worker's Stats sends the primary once a tick (src/cli/cluster-stats.ts),
// and the pure sums the admin worker's Stats adds to its own figures. Counters are summed; each
// window's latency travels as an encoded HDR histogram and percentiles come from the merged
// histogram, never from averaged percentiles. Distinct keys take the largest worker's figure
// (workers see the same paths, so a sum would count a path once per worker).

export interface WindowShare { requests: number; errors: number; hits: number; misses: number; hist: string | null }

export interface CellShare {
  requests: number;
  errors: number;
  hits: number;
  misses: number;
  keys: number;
  active: number;
  /** The backend's own counters (upstream attempts, failures, ejections); zero for a pool. */
  upstream: { requests: number; failures: number; ejections: number };
  win: WindowShare;
}

export interface RouteShare { route: string; pool: string; backend: string; classes: number[]; buckets: number[]; sum: number; count: number }

export interface StatsShare {
  worker: number;
  pid: number;
  at: number;
  pools: Record<string, { cell: CellShare; backends: Record<string, CellShare> }>;
  routes: RouteShare[];
}

export const emptyCell = (): CellShare => ({
  requests: 0, errors: 0, hits: 0, misses: 0, keys: 0, active: 0,
  upstream: { requests: 0, failures: 0, ejections: 0 },
  win: { requests: 0, errors: 0, hits: 0, misses: 0, hist: null },
});

/** The sum of one pool's (or, with `backend`, one backend's) cells over `shares`; hists collected. */
export function sumCells(shares: readonly StatsShare[], pool: string, backend?: string): { cell: CellShare; hists: string[] } {
  const cell = emptyCell();
  const hists: string[] = [];
  for (const s of shares) {
    const p = s.pools[pool];
    const c = p === undefined ? undefined : backend === undefined ? p.cell : p.backends[backend];
    if (c === undefined) continue;
    cell.requests += c.requests;
    cell.errors += c.errors;
    cell.hits += c.hits;
    cell.misses += c.misses;
    cell.keys = Math.max(cell.keys, c.keys);
    cell.active += c.active;
    cell.upstream.requests += c.upstream.requests;
    cell.upstream.failures += c.upstream.failures;
    cell.upstream.ejections += c.upstream.ejections;
    cell.win.requests += c.win.requests;
    cell.win.errors += c.win.errors;
    cell.win.hits += c.win.hits;
    cell.win.misses += c.win.misses;
    if (c.win.hist !== null) hists.push(c.win.hist);
  }
  return { cell, hists };
}

const routeKey = (r: { route: string; pool: string; backend: string }): string => JSON.stringify([r.route, r.pool, r.backend]);

/** Route cells summed by (route, pool, backend): bucket counts add, as histograms do. */
export function sumRoutes(lists: readonly (readonly RouteShare[])[]): RouteShare[] {
  const out = new Map<string, RouteShare>();
  for (const list of lists) {
    for (const r of list) {
      const k = routeKey(r);
      const o = out.get(k);
      if (o === undefined) {
        out.set(k, { ...r, classes: [...r.classes], buckets: [...r.buckets] });
        continue;
      }
      r.classes.forEach((n, i) => (o.classes[i] = (o.classes[i] ?? 0) + n));
      r.buckets.forEach((n, i) => (o.buckets[i] = (o.buckets[i] ?? 0) + n));
      o.sum += r.sum;
      o.count += r.count;
    }
  }
  return [...out.values()];
}

/** A dead worker's last share folded into `retired`: its totals stay, its window and in-flight go. */
export function retire(retired: StatsShare, gone: StatsShare): StatsShare {
  const pools = structuredClone(retired.pools);
  for (const [name, p] of Object.entries(gone.pools)) {
    const into = (pools[name] ??= { cell: emptyCell(), backends: {} });
    into.cell = fold(into.cell, p.cell);
    for (const [id, c] of Object.entries(p.backends)) into.backends[id] = fold(into.backends[id] ?? emptyCell(), c);
  }
  return { ...retired, pools, routes: sumRoutes([retired.routes, gone.routes]) };
}

function fold(a: CellShare, b: CellShare): CellShare {
  const { cell } = sumCells([{ worker: 0, pid: 0, at: 0, routes: [], pools: { p: { cell: a, backends: {} } } }, { worker: 0, pid: 0, at: 0, routes: [], pools: { p: { cell: b, backends: {} } } }], 'p');
  cell.active = 0;
  cell.win = emptyCell().win;
  return cell;
}
