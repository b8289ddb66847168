// What a proxied request needs of the runtime (src/runtime/runtime.ts implements it): upstream
// connections, the MIME table it teaches, shutdown state and the observers it reports to.
import type { LearnedMime } from '../match/mime.js';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { ProxiedUpstreams } from '../proxy-protocol/upstreams.js';
import type { AccessRecord, UpstreamResult } from './records.js';
import type { Upstreams } from './upstream.js';
import type { RawUpstreams } from '../engine/upstream.js';

export interface ProxyHost {
  readonly upstreams: Upstreams;
  /** The fast engine's raw connections to http: backends (src/engine/upstream.ts). */
  readonly raw: RawUpstreams;
  /** sendProxy pools: upstream connections private to one client connection. */
  readonly proxied: ProxiedUpstreams;
  readonly learned: LearnedMime;
  /** Shutting down: answers carry `Connection: close`. */
  readonly closing: boolean;
  requestDone(r: AccessRecord): void;
  upstreamResult(pool: PoolRuntime, b: BackendState, r: UpstreamResult): void;
}

/** An upgrade dials its own connections (src/proxy/upgrade.ts). */
export type UpgradeHost = Pick<ProxyHost, 'closing' | 'requestDone' | 'upstreamResult'>;
