// Reload impact preview (docs/admin.md#reload-preview): what a new config would change against the
// running state, applying nothing. Routes by name and match (route-diff.ts); per pool the backends
// added, removed and re-weighted, the share of recent keys (src/pools/recent.ts) that would land on
// another backend, and the affinity entries whose backend would leave. Keys are replayed, oldest
// first, through the running scheduler (a copy of its state) and through the scheduler the reload
// would leave in place, built as src/pools/reconcile.ts builds it: the same instance with its state
// carried over when name and parameters stay, a fresh one otherwise. Nothing live is written.
import type { Config, HashKeySpec, Pool as PoolSpec } from '../config/normalized.js';
import { BackendState } from '../pools/backend.js';
import { takesWork } from '../pools/backup.js';
import type { RecentKey } from '../pools/recent.js';
import { getScheduler } from '../schedulers/registry.js';
import { seededRng } from '../schedulers/rng.js';
import type { Scheduler, SchedulerDef, SchedulerState } from '../schedulers/types.js';
import { diffRoutes, stableText, type RouteDiff } from './route-diff.js';

/** What the preview reads of a running pool (src/pools/pool.ts PoolRuntime has this shape). */
export interface LivePool {
  readonly spec: PoolSpec;
  readonly backends: readonly BackendState[];
  readonly def: SchedulerDef;
  readonly scheduler: Scheduler<SchedulerState>;
  readonly state: SchedulerState;
  readonly recent: { list(): RecentKey[] };
  /** The backup tier's own scheduler (src/pools/backup.ts); undefined without backups. */
  readonly backup?: { readonly scheduler: Scheduler<SchedulerState>; readonly state: SchedulerState } | undefined;
}

export interface RunningState {
  config: Config;
  pools: ReadonlyMap<string, LivePool>;
  /** Affinity entries per pool, per backend id. */
  pins: ReadonlyMap<string, ReadonlyMap<string, number>>;
  now: number;
}

export interface MovedKey {
  /** The hash key, or `(client <ip>)` on a pool whose scheduler does not hash. */
  key: string;
  from: string | null;
  to: string | null;
  /** Recent requests with this key that would make this move. */
  requests: number;
}

export interface KeyMoves {
  /** Recent requests replayed. */
  sampled: number;
  moved: number;
  /** moved / sampled; null when nothing was sampled. */
  share: number | null;
  distinct: number;
  /** Recent requests left out: the new scheduler hashes a key the old one did not record. */
  unkeyed: number;
  top: MovedKey[];
}

export interface PoolPreview {
  pool: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Pool keys that differ ('backends', 'scheduler', 'balanceFactor', …). */
  fields: string[];
  scheduler: { before: string | null; after: string | null; stateKept: boolean };
  backends: { added: string[]; removed: string[]; reweighted: { id: string; from: number; to: number }[] };
  keys: KeyMoves;
  pinned: { entries: number; leaving: number; byBackend: { backend: string; entries: number }[] };
}

export interface ReloadPreview {
  routes: RouteDiff;
  pools: PoolPreview[];
}

const TOP = 10;
const MAX_KEY_TEXT = 200;

export function previewReload(run: RunningState, next: Config): ReloadPreview {
  const names = [...new Set([...Object.keys(run.config.pools), ...Object.keys(next.pools)])];
  const pools = names.map((name) => previewPool(name, run.pools.get(name), next.pools[name], run.pins.get(name), run.now));
  return { routes: diffRoutes(run.config.routes, next.routes), pools };
}

function previewPool(name: string, live: LivePool | undefined, spec: PoolSpec | undefined, pins: ReadonlyMap<string, number> | undefined, now: number): PoolPreview {
  const entries = [...(pins ?? new Map<string, number>())].filter(([, n]) => n > 0);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const keep = new Set(spec?.backends.map((b) => b.id) ?? []);
  const leaving = entries.filter(([id]) => !keep.has(id)).sort(([a], [b]) => (a < b ? -1 : 1));
  const pinned = { entries: total, leaving: leaving.reduce((s, [, n]) => s + n, 0), byBackend: leaving.map(([backend, n]) => ({ backend, entries: n })) };
  if (live === undefined) {
    return {
      pool: name, change: 'added', fields: [], scheduler: { before: null, after: spec!.scheduler, stateKept: false },
      backends: { added: spec!.backends.map((b) => b.id), removed: [], reweighted: [] }, keys: moves([], [], [], 0), pinned,
    };
  }
  const samples = live.recent.list();
  const liveIds = live.backends.filter((b) => !b.removing).map((b) => b.id);
  if (spec === undefined) {
    const from = replay(live.scheduler, structuredClone(live.state), live.backends.map(copy), samples.map((s) => s.key), samples, now);
    return {
      pool: name, change: 'removed', fields: [], scheduler: { before: live.spec.scheduler, after: null, stateKept: false },
      backends: { added: [], removed: liveIds, reweighted: [] }, keys: moves(samples, from, from.map(() => null), 0), pinned,
    };
  }
  const stateKept = live.spec.scheduler === spec.scheduler && JSON.stringify(live.spec.rawParams) === JSON.stringify(spec.rawParams);
  const newDef = getScheduler(spec.scheduler)!;
  const newKey = keyFor(live, spec, newDef);
  const usable = samples.filter((s) => newKey(s) !== null);
  // a pool with backups decides over one tier, with that tier's scheduler (src/pools/backup.ts)
  const before = serving(live.backends.map(copy));
  const tierOf = (backups: boolean) => (backups && live.backup !== undefined ? live.backup : live);
  const was = tierOf(before.backups);
  const from = replay(was.scheduler, structuredClone(was.state), before.list, usable.map((s) => s.key), usable, now);
  const { list: after, backups } = serving(nextBackends(live, spec, now));
  let sched: Scheduler<SchedulerState>;
  let state: SchedulerState;
  if (stateKept && (!backups || live.backup !== undefined)) {
    const t = tierOf(backups);
    sched = t.scheduler;
    const st = structuredClone(t.state);
    state = sched.onBackendsChanged ? sched.onBackendsChanged(st, after, now) : sched.init(after, now);
  } else {
    sched = newDef.create(spec.params, seededRng(backups ? 2 : 1));
    state = sched.init(after, now);
  }
  const to = replay(sched, state, after, usable.map((s) => newKey(s) ?? undefined), usable, now);
  const byId = new Map(live.backends.filter((b) => !b.removing).map((b) => [b.id, b]));
  const reweighted = spec.backends.flatMap((b) => {
    const o = byId.get(b.id);
    return o !== undefined && o.configWeight !== b.weight ? [{ id: b.id, from: o.configWeight, to: b.weight }] : [];
  });
  const backends = { added: spec.backends.filter((b) => !byId.has(b.id)).map((b) => b.id), removed: liveIds.filter((id) => !keep.has(id)), reweighted };
  const fields = poolFields(live.spec, spec);
  return {
    pool: name, change: fields.length > 0 ? 'changed' : 'unchanged', fields,
    scheduler: { before: live.spec.scheduler, after: spec.scheduler, stateKept },
    backends, keys: moves(usable, from, to, samples.length - usable.length), pinned,
  };
}

/** The pool keys whose values differ (backends as a whole). */
function poolFields(a: PoolSpec, b: PoolSpec): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'params' || k === 'rawParams' || k === 'name') continue;
    if (stableText(a[k as keyof PoolSpec]) !== stableText(b[k as keyof PoolSpec])) out.push(k);
  }
  for (const k of new Set([...Object.keys(a.rawParams), ...Object.keys(b.rawParams)])) {
    if (stableText(a.rawParams[k]) !== stableText(b.rawParams[k])) out.push(k);
  }
  return out;
}

const sameHashKey = (a: HashKeySpec, b: HashKeySpec): boolean => stableText(a) === stableText(b);

/**
 * The key the new scheduler would hash for a recent request: undefined when it does not hash;
 * null when it hashes a key the running pool did not record (a pool that did not hash, or hashed
 * another key).
 */
function keyFor(live: LivePool, spec: PoolSpec, def: SchedulerDef): (s: RecentKey) => string | undefined | null {
  if (!def.hashing) return () => undefined;
  if (spec.hashKey.kind === 'client-ip') return (s) => s.clientIp;
  if (live.def.hashing && sameHashKey(live.spec.hashKey, spec.hashKey)) return (s) => s.key ?? null;
  return () => null;
}

/** A detached copy of a backend's state: the replay moves its counters, never the live one's. */
function copy(b: BackendState): BackendState {
  return Object.assign(Object.create(BackendState.prototype) as BackendState, b);
}

/** The backend list src/pools/reconcile.ts would build, as copies, refreshed as the reload refreshes them. */
function nextBackends(live: LivePool, spec: PoolSpec, now: number): BackendState[] {
  const byId = new Map(live.backends.map((b) => [b.id, b]));
  const out: BackendState[] = [];
  for (const nb of spec.backends) {
    const existing = byId.get(nb.id);
    if (existing && !existing.removing) {
      const b = copy(existing);
      b.configWeight = nb.weight;
      out.push(b);
      byId.delete(nb.id);
    } else {
      const b = new BackendState(nb);
      if (spec.slowStart > 0) b.rampStart = now;
      if (spec.health?.initial === 'down') b.healthy = false;
      out.push(b);
    }
  }
  for (const gone of byId.values()) {
    if (gone.active === 0) continue;
    const b = copy(gone);
    b.removing = true;
    out.push(b);
  }
  for (const b of out) b.refresh(now, spec.slowStart);
  return out;
}

/** The tier a pick sees: the primaries while one takes work, else the backups (src/pools/backup.ts). */
function serving(all: BackendState[]): { list: BackendState[]; backups: boolean } {
  if (!all.some((b) => b.backup)) return { list: all, backups: false };
  const primaries = all.filter((b) => !b.backup);
  return primaries.some(takesWork) ? { list: primaries, backups: false } : { list: all.filter((b) => b.backup), backups: true };
}

/**
 * Place each sample in turn under the load it met: earlier placements complete, oldest first,
 * until no more are in flight than the pool had when that request was decided. Load-aware
 * schedulers (lc, chbl's bound, lard) then see the traffic's concurrency, not an idle pool.
 */
function replay(
  sched: Scheduler<SchedulerState>, state: SchedulerState, backends: BackendState[],
  keys: readonly (string | undefined)[], samples: readonly RecentKey[], now: number,
): (string | null)[] {
  for (const b of backends) b.active = 0;
  const inFlight: BackendState[] = [];
  let head = 0;
  const out: (string | null)[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    while (inFlight.length - head > s.inFlight) {
      const b = inFlight[head++]!;
      b.active--;
      sched.onEnd?.(state, b, 1, true, now);
    }
    const b = sched.pick({ key: keys[i], clientIp: s.clientIp, clientPort: s.clientPort, now }, backends, state) as BackendState | null;
    out.push(b === null ? null : b.id);
    if (b === null) continue;
    b.active++;
    sched.onStart?.(state, b, now);
    inFlight.push(b);
  }
  return out;
}

function label(s: RecentKey): string {
  const k = s.key === undefined ? `(client ${s.clientIp})` : s.key;
  return k.length > MAX_KEY_TEXT ? `${k.slice(0, MAX_KEY_TEXT)}…` : k;
}

function moves(samples: readonly RecentKey[], from: readonly (string | null)[], to: readonly (string | null)[], unkeyed: number): KeyMoves {
  const distinct = new Set<string>();
  const moved = new Map<string, MovedKey>();
  let n = 0;
  for (let i = 0; i < samples.length; i++) {
    const k = label(samples[i]!);
    distinct.add(k);
    if (from[i] === to[i]) continue;
    n++;
    // one row per key and move: a pool that does not hash sends one client's requests many ways
    const id = `${k}\0${from[i]}\0${to[i]}`;
    const m = moved.get(id);
    if (m) m.requests++;
    else moved.set(id, { key: k, from: from[i] ?? null, to: to[i] ?? null, requests: 1 });
  }
  const top = [...moved.values()].sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : 1)).slice(0, TOP);
  return { sampled: samples.length, moved: n, share: samples.length === 0 ? null : n / samples.length, distinct: distinct.size, unkeyed, top };
}
