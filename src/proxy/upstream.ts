// Upstream connections: one undici Pool per backend origin, and the dispatch handler that streams
// a backend's response straight into the client response with back-pressure.
import { buildConnector, Pool, type Dispatcher } from 'undici';
import { dropInterim100 } from './interim.js';
import type { ErrorCode } from '../errors.js';
import type { UpstreamResult } from './records.js';
import type { BackendState } from '../pools/backend.js';

/** Pool sizing, chosen by measurement (bench/README.md, "Pool sizing"). */
export interface UpstreamOptions {
  /** Connections per backend origin. */
  connections: number;
  /** Requests in flight per connection (1: no HTTP/1.1 pipelining). */
  pipelining: number;
}

export const UPSTREAM_DEFAULTS: UpstreamOptions = { connections: 256, pipelining: 1 };

export class Upstreams {
  /** connectTimeout → backend URL → pool; two plain look-ups, no key string built per request. */
  private readonly pools = new Map<number, Map<string, Pool>>();

  constructor(private readonly opts: UpstreamOptions = UPSTREAM_DEFAULTS) {}

  /** Connections each backend origin may have open. */
  get connections(): number {
    return this.opts.connections;
  }

  get(b: BackendState, connectTimeout: number): Pool {
    let byUrl = this.pools.get(connectTimeout);
    if (byUrl === undefined) this.pools.set(connectTimeout, (byUrl = new Map()));
    let p = byUrl.get(b.url);
    if (p === undefined) {
      p = new Pool(b.url, {
        connections: this.opts.connections,
        pipelining: this.opts.pipelining,
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: interimFiltered(connectTimeout),
      });
      byUrl.set(b.url, p);
    }
    return p;
  }

  /** Close the pools of backends no longer in use (after a reload or a removal). */
  async retain(urls: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const byUrl of this.pools.values()) {
      for (const [url, p] of byUrl) {
        if (!urls.has(url)) {
          byUrl.delete(url);
          closing.push(p.close().catch(() => undefined));
        }
      }
    }
    await Promise.all(closing);
  }

  private all(): Pool[] {
    return [...this.pools.values()].flatMap((byUrl) => [...byUrl.values()]);
  }

  async close(): Promise<void> {
    const all = this.all();
    this.pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }

  async destroy(): Promise<void> {
    const all = this.all();
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** undici's own connector, with each socket's interim 100 answers dropped (interim.ts). */
function interimFiltered(timeout: number): buildConnector.connector {
  const base = buildConnector({ timeout });
  return (opts, cb) => base(opts, (err, socket) => {
    if (err !== null) cb(err, null);
    else cb(null, dropInterim100(socket));
  });
}

/** undici error codes that mean "no byte of response came back" (safe to retry elsewhere). */
export const CONNECT_FAILURES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

/** Methods a request may be retried with on another backend (when no byte came back). */
export const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * What a failed attempt means, from its error code: the result passive health checks count, the
 * error the client gets, and whether it may be retried elsewhere (a connect failure, not a timeout).
 */
export function upstreamFailure(code: string, timeout: boolean): { result: UpstreamResult; error: ErrorCode; retryable: boolean } {
  const connect = CONNECT_FAILURES.has(code);
  return {
    result: timeout ? 'timeout' : connect ? 'connect' : 'reset',
    error: timeout ? 'SY_ERR_UPSTREAM_TIMEOUT' : code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'SY_ERR_UPSTREAM_CONNECT' : 'SY_ERR_UPSTREAM_RESET',
    retryable: !timeout && connect,
  };
}

export type DispatchOptions = Dispatcher.DispatchOptions;
