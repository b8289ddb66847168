// Live statistics for the dashboard, the event stream and /metrics. The hot path (one call per
// finished request) only bumps counters and records into histograms; rates, percentiles and hit
// ratios are computed once a second in tick().
import hdr from 'hdr-histogram-js';
import type { Router } from '../router.js';
import type { AccessRecord } from '../proxy/records.js';
import { watchTick, type WatchFigures } from './watch.js';
import type { BackendState } from '../pools/backend.js';
import { emptyCell, sumCells, sumRoutes, type CellShare, type RouteShare, type StatsShare } from './stats-share.js';

type Histogram = ReturnType<typeof hdr.build>;

/** Upper bounds (ms) of the Prometheus latency histogram's buckets. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
/** Distinct keys (paths) remembered per backend for the locality figure. */
const MAX_KEYS = 50_000;
/** Stats ticks kept for the dashboard's charts (5 minutes at one a second). */
const HISTORY = 300;

/** Latency samples kept per window (one second); past this, reservoir sampling keeps a fair subset. */
const SAMPLES = 4096;

function newHistogram(): Histogram {
  // microseconds, 1 µs .. 1 h, 2 significant digits
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });
}

/** One histogram reused by every tick to turn a window's samples into percentiles. */
const scratch = newHistogram();

/** Counters for one second (reset by each tick). The hot path only stores numbers here. */
class Window {
  requests = 0;
  errors = 0;
  hits = 0;
  misses = 0;
  /** Latency samples in µs; `requests` of them were offered. */
  readonly samples = new Float64Array(SAMPLES);
  record(us: number, isError: boolean, cache: number): void {
    const n = this.requests++;
    if (n < SAMPLES) this.samples[n] = us;
    else {
      const j = Math.floor(Math.random() * (n + 1));
      if (j < SAMPLES) this.samples[j] = us;
    }
    if (isError) this.errors++;
    if (cache === 1) this.hits++;
    else if (cache === 2) this.misses++;
  }
  private fill(): number {
    const n = Math.min(this.requests, SAMPLES);
    scratch.reset();
    for (let i = 0; i < n; i++) scratch.recordValue(this.samples[i]!);
    return n;
  }
  /** [p50, p99] in ms from the window's samples plus other workers' encoded histograms (merged, not averaged); nulls when idle. */
  percentiles(others: readonly string[] = []): [number | null, number | null] {
    const n = this.fill();
    for (const h of others) {
      const d = hdr.decodeFromCompressedBase64(h);
      scratch.add(d);
      d.destroy();
    }
    if (n === 0 && others.length === 0) return [null, null];
    return [round(scratch.getValueAtPercentile(50) / 1000), round(scratch.getValueAtPercentile(99) / 1000)];
  }
  reset(): void {
    this.requests = this.errors = this.hits = this.misses = 0;
  }
  /** The window for the cluster primary (src/admin/stats-share.ts). */
  share(): CellShare['win'] {
    const hist = this.fill() === 0 ? null : hdr.encodeIntoCompressedBase64(scratch);
    return { requests: this.requests, errors: this.errors, hits: this.hits, misses: this.misses, hist };
  }
}

class BackendCell {
  requests = 0;
  errors = 0;
  hits = 0;
  misses = 0;
  readonly win = new Window();
  readonly keys = new Set<string>();
}

class PoolCell {
  readonly win = new Window();
  readonly backends = new Map<string, BackendCell>();
  requests = 0;
  errors = 0;
  hits = 0;
  misses = 0;
}

/** Prometheus figures for one (route, pool, backend). */
export class RouteCell {
  /** Requests by status class: index 1..5 = 1xx..5xx, 0 = no status (aborted). */
  readonly classes = [0, 0, 0, 0, 0, 0];
  /** Non-cumulative bucket counts; the last slot is +Inf. */
  readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  sum = 0;
  count = 0;
  constructor(readonly route: string, readonly pool: string, readonly backend: string) {}
}

export interface Figures {
  /** Requests per second over the last tick. */
  rps: number;
  active: number;
  /** Finished requests in total (since start). */
  requests: number;
  /** Errors (5xx or a proxy error) in the last tick, and since start. */
  errors: number;
  errorsTotal: number;
  /** errors / requests over the last tick (0 when idle). */
  errorRate: number;
  /** Latency percentiles (ms) over the last tick; null when idle. */
  p50: number | null;
  p99: number | null;
  /** X-Cache HIT / (HIT + MISS) over the last tick and since start; null when not reported. */
  hitRatio: number | null;
  hitRatioTotal: number | null;
}

export interface BackendFigures extends Figures {
  id: string;
  url: string;
  state: string;
  weight: number;
  configWeight: number;
  /** Distinct paths this backend has served (its cache's share of the content). */
  keys: number;
  reason: string;
}

export interface PoolFigures extends Figures, WatchFigures {
  scheduler: string;
  backends: Record<string, BackendFigures>;
}

export interface StatsTick {
  at: number;
  pools: Record<string, PoolFigures>;
}

/** One compact point per pool for the charts. */
export interface HistoryPoint {
  at: number;
  pools: Record<string, { rps: number; p50: number | null; p99: number | null; errors: number }>;
}

const ratio = (h: number, m: number): number | null => (h + m === 0 ? null : h / (h + m));
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** 1 = hit, 2 = miss, 0 = not reported. */
function cacheOf(v: string | undefined): number {
  if (v === undefined) return 0;
  if (v === 'HIT') return 1;
  if (v === 'MISS') return 2;
  const u = v.toUpperCase();
  return u.includes('HIT') ? 1 : u.includes('MISS') ? 2 : 0;
}

export class Stats {
  private readonly pools = new Map<string, PoolCell>();
  /** Every (route, pool, backend) seen, for /metrics; found through byRoute on the hot path. */
  readonly routes: RouteCell[] = [];
  private readonly byRoute = new Map<string, Map<string, Map<string, RouteCell>>>();
  readonly history: HistoryPoint[] = [];
  latest: StatsTick | undefined;
  private lastTick = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly observer = (r: AccessRecord): void => this.observe(r);
  /** Cluster mode: the other workers' latest shares (and the dead ones' totals), added to every figure. */
  peers: StatsShare[] = [];
  /** Cluster mode: receives this worker's share at each tick (src/cli/cluster-stats.ts). */
  onShare: ((s: StatsShare) => void) | undefined;
  private ownShare: StatsShare | undefined;

  constructor(private readonly router: Router) {}

  /** Subscribe to finished requests and tick every `intervalMs`. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.router.requestObservers.push(this.observer);
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const i = this.router.requestObservers.indexOf(this.observer);
    if (i !== -1) this.router.requestObservers.splice(i, 1);
  }

  /** Hot path: counters and histogram records only. */
  observe(r: AccessRecord): void {
    const poolName = r.pool ?? '';
    const backend = r.backend ?? '';
    const isError = r.status >= 500 || r.error !== undefined;
    const cache = cacheOf(r.cache);
    const us = r.ms > 0 ? Math.max(1, Math.round(r.ms * 1000)) : 1;

    const route = r.route ?? '';
    let byPool = this.byRoute.get(route);
    if (byPool === undefined) this.byRoute.set(route, (byPool = new Map()));
    let byBackend = byPool.get(poolName);
    if (byBackend === undefined) byPool.set(poolName, (byBackend = new Map()));
    let rc = byBackend.get(backend);
    if (rc === undefined) {
      byBackend.set(backend, (rc = new RouteCell(route, poolName, backend)));
      this.routes.push(rc);
    }
    const cls = Math.floor(r.status / 100);
    rc.classes[cls >= 1 && cls <= 5 ? cls : 0]!++;
    const b = LATENCY_BUCKETS_MS;
    let i = 0;
    while (i < b.length && r.ms > b[i]!) i++;
    rc.buckets[i]!++;
    rc.sum += r.ms;
    rc.count++;

    if (r.pool === undefined) return;
    let pc = this.pools.get(poolName);
    if (pc === undefined) this.pools.set(poolName, (pc = new PoolCell()));
    pc.win.record(us, isError, cache);
    pc.requests++;
    if (isError) pc.errors++;
    if (cache === 1) pc.hits++;
    else if (cache === 2) pc.misses++;
    if (r.backend === undefined) return;
    let bc = pc.backends.get(backend);
    if (bc === undefined) pc.backends.set(backend, (bc = new BackendCell()));
    bc.win.record(us, isError, cache);
    bc.requests++;
    if (isError) bc.errors++;
    if (cache === 1) bc.hits++;
    else if (cache === 2) bc.misses++;
    if (bc.keys.size < MAX_KEYS) bc.keys.add(r.path);
  }

  /** Aggregate the last window, emit `stats.tick`, reset the windows. */
  tick(now = Date.now()): StatsTick {
    const dt = Math.max(0.001, (now - this.lastTick) / 1000);
    this.lastTick = now;
    const pools: Record<string, PoolFigures> = {};
    const point: HistoryPoint = { at: now, pools: {} };
    const share: StatsShare | undefined = this.onShare ? { worker: 0, pid: process.pid, at: now, pools: {}, routes: this.routes.map(routeShare) } : undefined;
    const peers = this.peers;
    for (const pool of this.router.pools.values()) {
      const pc = this.pools.get(pool.name) ?? new PoolCell();
      const backends: Record<string, BackendFigures> = {};
      const shared: Record<string, CellShare> = {};
      for (const b of pool.backends) {
        const bc = pc.backends.get(b.id) ?? new BackendCell();
        const peer = peers.length ? sumCells(peers, pool.name, b.id) : undefined;
        backends[b.id] = {
          id: b.id, url: b.url, state: b.state, weight: b.weight, configWeight: b.configWeight, reason: b.reason,
          keys: Math.max(bc.keys.size, peer?.cell.keys ?? 0), ...figures(bc.win, bc, b.active, dt, peer),
        };
        if (share) shared[b.id] = cellShare(bc, bc.win, b.active, b);
        bc.win.reset();
      }
      const f = figures(pc.win, pc, pool.inFlight, dt, peers.length ? sumCells(peers, pool.name) : undefined);
      if (share) share.pools[pool.name] = { cell: cellShare(pc, pc.win, pool.inFlight), backends: shared };
      pools[pool.name] = { scheduler: pool.spec.scheduler, backends, ...f, ...watchTick(pool, now, this.router.events) };
      point.pools[pool.name] = { rps: f.rps, p50: f.p50, p99: f.p99, errors: f.errors };
      pc.win.reset();
      // backends that left the pool: forget their windows
      for (const [id, bc] of pc.backends) if (!pool.backends.some((b) => b.id === id)) bc.win.reset();
    }
    const t: StatsTick = { at: now, pools };
    if (share) {
      this.onShare?.(share);
      this.ownShare = share;
    }
    this.latest = t;
    this.history.push(point);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    this.router.events.emit('stats.tick', t);
    return t;
  }

  /** Cumulative figures for one backend (for /metrics and listings). */
  backendTotals(pool: string, id: string): { requests: number; errors: number; hits: number; misses: number; keys: number } {
    const bc = this.pools.get(pool)?.backends.get(id);
    const own = bc ? { requests: bc.requests, errors: bc.errors, hits: bc.hits, misses: bc.misses, keys: bc.keys.size } : { requests: 0, errors: 0, hits: 0, misses: 0, keys: 0 };
    if (this.peers.length === 0) return own;
    const p = this.peerBackend(pool, id);
    return { requests: own.requests + p.requests, errors: own.errors + p.errors, hits: own.hits + p.hits, misses: own.misses + p.misses, keys: Math.max(own.keys, p.keys) };
  }

  /** The other workers' summed figures for one backend (zeros outside cluster mode). */
  peerBackend(pool: string, id: string): CellShare {
    return this.peers.length ? sumCells(this.peers, pool, id).cell : emptyCell();
  }

  /** Cluster mode: each live worker's id, pid and finished requests (empty outside cluster mode). */
  workers(): { worker: number; pid: number; requests: number }[] {
    const live = [this.ownShare, ...this.peers].filter((x): x is StatsShare => x !== undefined && x.pid !== 0);
    return live.map((x) => ({ worker: x.worker, pid: x.pid, requests: Object.values(x.pools).reduce((n, p) => n + p.cell.requests, 0) }))
      .sort((a, b) => a.worker - b.worker);
  }

  /** The other workers' summed figures for one pool (zeros outside cluster mode). */
  peerPool(pool: string): CellShare {
    return this.peers.length ? sumCells(this.peers, pool).cell : emptyCell();
  }

  /** Per (route, pool, backend) figures for /metrics: this worker's plus the others' (summed). */
  allRoutes(): readonly RouteShare[] {
    return this.peers.length ? sumRoutes([this.routes, ...this.peers.map((p) => p.routes)]) : this.routes;
  }
}

const routeShare = (rc: RouteCell): RouteShare => ({ route: rc.route, pool: rc.pool, backend: rc.backend, classes: [...rc.classes], buckets: [...rc.buckets], sum: rc.sum, count: rc.count });

function cellShare(tot: { requests: number; errors: number; hits: number; misses: number; keys?: Set<string> }, win: Window, active: number, b?: BackendState): CellShare {
  return {
    requests: tot.requests, errors: tot.errors, hits: tot.hits, misses: tot.misses, keys: tot.keys?.size ?? 0, active,
    upstream: b ? { requests: b.requests, failures: b.failures, ejections: b.ejections } : { requests: 0, failures: 0, ejections: 0 },
    win: win.share(),
  };
}

function figures(w: Window, tot: { requests: number; errors: number; hits: number; misses: number }, active: number, dt: number, peer?: { cell: CellShare; hists: string[] }): Figures {
  const [p50, p99] = w.percentiles(peer?.hists);
  const o = peer?.cell ?? emptyCell();
  const win = { requests: w.requests + o.win.requests, errors: w.errors + o.win.errors, hits: w.hits + o.win.hits, misses: w.misses + o.win.misses };
  return {
    rps: round(win.requests / dt, 2),
    active: active + o.active,
    requests: tot.requests + o.requests,
    errors: win.errors,
    errorsTotal: tot.errors + o.errors,
    errorRate: win.requests === 0 ? 0 : round(win.errors / win.requests, 4),
    p50,
    p99,
    hitRatio: ratio(win.hits, win.misses),
    hitRatioTotal: ratio(tot.hits + o.hits, tot.misses + o.misses),
  };
}
