// The router: the composition root. It puts together a runtime (src/runtime/runtime.ts: snapshot,
// pools, affinity, health, reload), the HTTP listeners (src/listen/http.ts) and explain
// (src/pipeline/explain.ts), and keeps the members the admin API, CLI and tests use.
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { AffinityCore } from './affinity/core.js';
import type { Config } from './config/normalized.js';
import { loadConfig } from './config/load.js';
import type { EventBus } from './events.js';
import type { HealthManager } from './health/manager.js';
import { embedHandler, embedUpgrade, type RequestHandler, type UpgradeHandler } from './listen/embed.js';
import { HttpListeners } from './listen/http.js';
import type { LearnedMime } from './match/mime.js';
import type { BackendState } from './pools/backend.js';
import type { PoolControl } from './pools/control.js';
import type { PoolRuntime } from './pools/pool.js';
import { explain, type ExplainInput, type Explanation } from './pipeline/explain.js';
import type { AccessRecord, UpstreamResult } from './proxy/records.js';
import type { Upstreams } from './proxy/upstream.js';
import type { ProxiedUpstreams } from './proxy-protocol/upstreams.js';
import { Runtime, type ReloadResult, type RuntimeOptions } from './runtime/runtime.js';
import type { Snapshot } from './runtime/snapshot.js';
import type { TcpServices } from './tcp/services.js';
import type { RateLimits } from './limits/limits.js';

export type { Snapshot } from './runtime/snapshot.js';
export type { ReloadResult } from './runtime/runtime.js';
export type { ExplainInput, Explanation } from './pipeline/explain.js';
export type RouterOptions = RuntimeOptions;
export type { RequestHandler, UpgradeHandler } from './listen/embed.js';

export class Router {
  readonly runtime: Runtime;
  private readonly http: HttpListeners;

  constructor(config: Config, opts: RouterOptions = {}) {
    this.runtime = new Runtime(config, opts);
    this.http = new HttpListeners(this.runtime);
    this.runtime.reloadStages.push(this.http);
  }

  static async fromFile(file: string, opts: Omit<RouterOptions, 'file'> = {}): Promise<Router> {
    return new Router(await loadConfig(file), { ...opts, file });
  }

  // ---- the runtime's members, as the admin API, CLI and tests reach them ----
  get current(): Snapshot { return this.runtime.current; }
  get pools(): Map<string, PoolRuntime> { return this.runtime.pools; }
  get events(): EventBus { return this.runtime.events; }
  get learned(): LearnedMime { return this.runtime.learned; }
  get upstreams(): Upstreams { return this.runtime.upstreams; }
  get proxied(): ProxiedUpstreams { return this.runtime.proxied; }
  get control(): PoolControl { return this.runtime.control; }
  get log(): Logger { return this.runtime.log; }
  get file(): string | undefined { return this.runtime.file; }
  get closing(): boolean { return this.runtime.closing; }
  get requestObservers(): ((r: AccessRecord) => void)[] { return this.runtime.requestObservers; }
  get upstreamObservers(): ((pool: PoolRuntime, b: BackendState, r: UpstreamResult) => void)[] { return this.runtime.upstreamObservers; }
  get tcp(): TcpServices { return this.runtime.tcp; }
  get health(): HealthManager { return this.runtime.health; }
  get affinity(): AffinityCore { return this.runtime.affinity; }
  get rates(): RateLimits { return this.runtime.rates; }
  get servers(): NetServer[] { return this.http.all; }
  /** The certificates the TLS listeners serve now (names, expiry, file). */
  certificates(): ReturnType<HttpListeners['certificates']> { return this.http.certificates(); }

  requestDone(r: AccessRecord): void {
    this.runtime.requestDone(r);
  }

  upstreamResult(pool: PoolRuntime, b: BackendState, r: UpstreamResult): void {
    this.runtime.upstreamResult(pool, b, r);
  }

  /** Bind the HTTP listeners, start the TCP services and the health checks. */
  async listen(): Promise<AddressInfo[]> {
    const rt = this.runtime;
    const out = await this.http.listen(rt.current.config.listen);
    await rt.tcp.start(rt.current.config.tcp);
    rt.health.start();
    return out;
  }

  /**
   * A handler for a server the application owns, with the first listener's rules; starts the
   * health checks (src/listen/embed.ts). `close()` ends them.
   */
  handler(): RequestHandler {
    this.runtime.health.start();
    return embedHandler(this.runtime, this.runtime.current.config.listen[0]!);
  }

  /** For the same server's 'upgrade' event: `server.on('upgrade', router.upgradeHandler(server))`. */
  upgradeHandler(server: Server): UpgradeHandler {
    return embedUpgrade(this.runtime, this.runtime.current.config.listen[0]!, server);
  }

  /** Stop accepting, let in-flight requests finish (up to deadlineMs), then close everything. */
  async close(deadlineMs = 10_000): Promise<void> {
    const rt = this.runtime;
    rt.closing = true;
    rt.health.stop();
    const tcpClosed = rt.tcp.close(deadlineMs);
    const closed = this.http.stopAccepting();
    const deadline = new Promise<void>((r) => setTimeout(r, deadlineMs).unref());
    await Promise.race([rt.drained(), deadline]);
    this.http.destroyAll();
    await Promise.race([closed, deadline]);
    await tcpClosed;
    await rt.release();
  }

  /** Swap in a validated config. Unchanged pools keep their backends' state. */
  apply(config: Config, file?: string): string[] {
    return this.runtime.apply(config, file);
  }

  /** Re-read the config file; on any problem keep the running config (runtime/runtime.ts). */
  reload(): Promise<ReloadResult> {
    return this.runtime.reload();
  }

  /** Which route, why, which pool and backend — without moving any scheduler state. */
  explain(input: ExplainInput): Explanation {
    return explain(this.runtime.current, this.runtime, input);
  }
}
