// The runtime: what lives across requests and reloads — the current snapshot, pools, affinity,
// health, upstream connections, TCP services, observers — and apply / reload / close of it.
// Listeners (src/listen/) and front ends read it through narrow host interfaces.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { AffinityCore } from '../affinity/core.js';
import type { Config } from '../config/normalized.js';
import { loadOffThread } from '../config/off-thread.js';
import { ConfigError } from '../errors.js';
import { EventBus } from '../events.js';
import { openLogs, type Logs } from '../log/logs.js';
import { HealthManager } from '../health/manager.js';
import { LearnedMime } from '../match/mime.js';
import type { BackendState } from '../pools/backend.js';
import { PoolControl } from '../pools/control.js';
import { PoolRuntime } from '../pools/pool.js';
import { poolHints } from '../pools/prebuild.js';
import { reconcilePools } from '../pools/reconcile.js';
import type { AccessRecord, UpstreamResult } from '../proxy/records.js';
import { Upstreams } from '../proxy/upstream.js';
import { ProxiedUpstreams } from '../proxy-protocol/upstreams.js';
import { RawUpstreams } from '../engine/upstream.js';
import { withPrebuilt } from '../schedulers/prebuilt.js';
import { TcpServices } from '../tcp/services.js';
import { compile, type Snapshot } from './snapshot.js';
import { RateLimits } from '../limits/limits.js';
import { reconcileShared, type SharedRates } from '../limits/shared.js';

export interface ReloadResult {
  ok: boolean;
  problems: { path: string; message: string }[];
  changes: string[];
  /** Runtime changes the reload left in place (src/pools/reconcile.ts). */
  kept: string[];
  files: string[];
}

/** Listener parts a reload re-reads before the swap (src/listen/tls.ts: certificates). */
export interface ReloadStage {
  prepare(config: Config): { problems: { path: string; message: string }[]; commit: () => void };
}

export interface RuntimeOptions {
  /** Config file, for reload. */
  file?: string;
  /** Events and access records both go here (as JSON objects) instead of stderr and stdout. */
  logger?: Logger;
  /** Access records with this User-Agent are not logged (`start --demo`'s own load). */
  quietAgent?: string;
}

export class Runtime {
  current: Snapshot;
  readonly pools = new Map<string, PoolRuntime>();
  readonly events = new EventBus();
  readonly learned = new LearnedMime();
  readonly upstreams = new Upstreams();
  /** The fast engine's own upstream connections (src/engine/upstream.ts), as many per backend as undici's. */
  readonly raw = new RawUpstreams(this.upstreams.connections);
  /** sendProxy pools: upstream connections private to one client connection. */
  readonly proxied = new ProxiedUpstreams();
  /** Runtime changes: add, remove, re-weight, drain, disable, enable. */
  readonly control = new PoolControl(this.pools, this.events);
  readonly log: Logger;
  private readonly logs: Logs;
  readonly file: string | undefined;
  closing = false;
  /** Observers of finished requests (access log, metrics, stats). */
  readonly requestObservers: ((r: AccessRecord) => void)[] = [];
  /** Observers of each upstream attempt's outcome (passive health checks). */
  readonly upstreamObservers: ((pool: PoolRuntime, b: BackendState, r: UpstreamResult) => void)[] = [];
  /** Route rate limits, kept across reloads (src/limits/limits.ts). */
  readonly rates = new RateLimits();
  /** Set while a route has `rateLimit.shared` (src/limits/shared.ts). */
  sharedRates: SharedRates | undefined;
  /** Raw TCP virtual services (config `tcp`). */
  readonly tcp: TcpServices = new TcpServices(this);
  /** Active checks, passive ejection and slow start. */
  readonly health: HealthManager = new HealthManager(this);
  /** The process-wide affinity table (connection entries, templates, cookie and header pins). */
  readonly affinity: AffinityCore;
  /** Read at each reload before the swap; any problem rejects the reload (src/router.ts adds the listeners). */
  readonly reloadStages: ReloadStage[] = [];
  /** Reloads run one at a time, in the order they were asked for. */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(config: Config, opts: RuntimeOptions = {}) {
    this.file = opts.file;
    this.logs = openLogs(config.log, opts);
    this.log = this.logs.events;
    this.current = compile(config, 1);
    this.affinity = new AffinityCore(config.affinity, this.log, { consistent: cluster.isWorker });
    this.events.on('backend.removed', (e) => {
      this.affinity.table.forgetBackend(e.pool, e.backend);
      // close the removed backend's idle upstream connections unless another pool still uses it
      this.releaseUpstreams();
    });
    this.control.pinned = (pool, backend) => this.affinity.table.liveConnections(pool, backend);
    const now = Date.now();
    for (const spec of Object.values(config.pools)) this.pools.set(spec.name, new PoolRuntime(spec, now));
    this.sharedRates = reconcileShared(undefined, config, this.rates, this.log);
    if (this.logs.access) this.requestObservers.push(this.logs.access);
  }

  requestDone(r: AccessRecord): void {
    const obs = this.requestObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!(r);
  }

  upstreamResult(pool: PoolRuntime, b: BackendState, r: UpstreamResult): void {
    const obs = this.upstreamObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!(pool, b, r);
  }

  /** Close the upstream pools of backends no pool uses any more (after a reload or a removal). */
  private releaseUpstreams(): void {
    const urls = new Set([...this.pools.values()].flatMap((p) => p.backends.map((b) => b.url)));
    void this.upstreams.retain(urls);
    this.raw.retain(urls);
  }

  /** Runtime changes the last apply() kept. */
  kept: string[] = [];

  /** Swap in a validated config. Unchanged pools keep their backends' state. */
  apply(config: Config, file = this.file ?? '(inline)'): string[] {
    this.kept = [];
    const changes = reconcilePools(this.pools, config, this.events, Date.now(), this.kept);
    this.affinity.configure(config.affinity);
    void this.tcp.reconcile(config.tcp);
    this.current = compile(config, this.current.version + 1);
    this.rates.retain(config.routes);
    this.sharedRates = reconcileShared(this.sharedRates, config, this.rates, this.log);
    this.releaseUpstreams();
    this.events.emit('config.reloaded', { file, changes });
    return changes;
  }

  /**
   * Re-read the config file; on any problem keep the running config and report every problem.
   * `files`: what the load read (the file and the local files it imports), for watching.
   */
  reload(): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadNow());
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** Import, validation and large tables happen in a worker (src/config/off-thread.ts); only the swap runs here. */
  private async reloadNow(): Promise<ReloadResult> {
    if (!this.file) return { ok: false, problems: [{ path: '(file)', message: 'router was not started from a file' }], changes: [], kept: [], files: [] };
    const loaded = await loadOffThread(this.file, poolHints(this.pools));
    let problems = loaded.ok ? [] : loaded.problems;
    if (loaded.ok) {
      try {
        // certificates first: a bad file keeps everything running as it is
        const staged = this.reloadStages.map((s) => s.prepare(loaded.config));
        const staging = staged.flatMap((s) => s.problems);
        if (staging.length > 0) throw new ConfigError(staging, this.file);
        const changes = withPrebuilt(loaded.tables, () => this.apply(loaded.config, this.file));
        for (const s of staged) s.commit();
        this.log.info({ changes }, `config reloaded (${changes.length} change${changes.length === 1 ? '' : 's'})`);
        return { ok: true, problems: [], changes, kept: this.kept, files: loaded.files };
      } catch (e) {
        problems = e instanceof ConfigError ? [...e.problems] : [{ path: '(file)', message: (e as Error).message }];
      }
    }
    this.events.emit('config.rejected', { file: this.file, problems });
    this.log.error(`config reload rejected, keeping the running config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return { ok: false, problems, changes: [], kept: [], files: loaded.files };
  }

  /** Resolves when no pool has a request in flight. */
  async drained(): Promise<void> {
    while ([...this.pools.values()].some((p) => p.inFlight > 0)) await new Promise((r) => setTimeout(r, 20));
  }

  /** Last step of a shutdown: upstream connections, the affinity store, the log. */
  async release(): Promise<void> {
    await this.sharedRates?.close();
    await this.upstreams.destroy();
    this.raw.destroy();
    await this.proxied.destroy();
    await this.affinity.close();
    this.logs.flush();
    this.log.flush?.();
  }
}
