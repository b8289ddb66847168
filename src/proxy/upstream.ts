// Upstream connections: one undici Pool per backend origin, and the dispatch handler that streams
// a backend's response straight into the client response with back-pressure.
import { createHash } from 'node:crypto';
import { buildConnector, Pool, type Dispatcher } from 'undici';
import type { Pool as PoolSpec } from '../config/normalized.js';
import { dropInterim100 } from './interim.js';
import { tlsOptions, type TlsOptions } from './tls-options.js';
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

/** What of a pool's spec decides how its upstream connections are made. */
export type ConnectSpec = Pick<PoolSpec, 'connectTimeout' | 'tls'>;

export class Upstreams {
  /**
   * Connect profile → backend URL → pool. A profile is the connect timeout, and for https:
   * backends the pool's TLS settings too: two pools that trust different CAs never share a
   * connection to one backend.
   */
  private readonly pools = new Map<string, Map<string, Pool>>();
  /** Each spec's profile keys, built once: no key string per request (specs are replaced on reload, not patched). */
  private readonly keys = new WeakMap<ConnectSpec, { plain: string; tls: string }>();

  constructor(private readonly opts: UpstreamOptions = UPSTREAM_DEFAULTS) {}

  /** Connections each backend origin may have open. */
  get connections(): number {
    return this.opts.connections;
  }

  get(b: BackendState, spec: ConnectSpec): Pool {
    const https = b.protocol === 'https:';
    let k = this.keys.get(spec);
    if (k === undefined) this.keys.set(spec, (k = profileKeys(spec)));
    const key = https ? k.tls : k.plain;
    let byUrl = this.pools.get(key);
    if (byUrl === undefined) this.pools.set(key, (byUrl = new Map()));
    let p = byUrl.get(b.url);
    if (p === undefined) {
      const tls = https ? tlsOptions(spec.tls, b.host) : undefined;
      const options: Pool.Options = {
        connections: this.opts.connections,
        pipelining: this.opts.pipelining,
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: interimFiltered(spec.connectTimeout, tls),
      };
      p = tls === undefined ? new Pool(b.url, options) : new TlsPool(b.url, options, b.host);
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

function profileKeys(spec: ConnectSpec): { plain: string; tls: string } {
  const t = spec.tls;
  const ca = t?.ca === undefined ? 'system' : createHash('sha256').update(t.ca).digest('hex');
  return { plain: String(spec.connectTimeout), tls: `${spec.connectTimeout} ${ca} ${t?.servername ?? ''} ${t?.rejectUnauthorized ?? true}` };
}

/**
 * undici takes a request's server name from its Host header (lib/core/request.js in undici) and
 * reconnects whenever it differs from the last one: every request here carries the same name, so
 * connections are kept whatever Host the client sent; the connector below sends the pool's.
 */
class TlsPool extends Pool {
  constructor(url: string, options: Pool.Options, private readonly fixedName: string) {
    super(url, options);
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch({ ...opts, servername: this.fixedName } as Dispatcher.DispatchOptions, handler);
  }
}

/** undici's own connector (with the pool's TLS settings for https:), each socket's interim 100 answers dropped (interim.ts). */
function interimFiltered(timeout: number, tls: TlsOptions | undefined): buildConnector.connector {
  if (tls === undefined) {
    const base = buildConnector({ timeout });
    return (opts, cb) => base(opts, (err, socket) => {
      if (err !== null) cb(err, null);
      else cb(null, dropInterim100(socket));
    });
  }
  const base = buildConnector({ timeout, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized });
  // '' (an IP address) lets undici fall back to no server name
  return (opts, cb) => base({ ...opts, servername: tls.servername }, (err, socket) => {
    if (err !== null) cb(err, null);
    else cb(null, dropInterim100(socket));
  });
}

/** undici error codes that mean "no byte of response came back" (safe to retry elsewhere). */
export const CONNECT_FAILURES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

/**
 * A TLS handshake to the backend failed (certificate not verified, wrong name, alert): no byte of
 * the request was sent, so it is a connect failure like a refused connection.
 */
export const isTlsFailure = (code: string): boolean =>
  code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || CERT_VERIFY_FAILURES.has(code);

/** Node's codes for a certificate that does not verify (OpenSSL's X509_V_ERR_* names). */
const CERT_VERIFY_FAILURES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

/** Methods a request may be retried with on another backend (when no byte came back). */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * What a failed attempt means, from its error code: the result passive health checks count, the
 * error the client gets, and whether it may be retried elsewhere (a connect failure, not a timeout).
 */
export function upstreamFailure(code: string, timeout: boolean): { result: UpstreamResult; error: ErrorCode; retryable: boolean } {
  const connect = CONNECT_FAILURES.has(code) || isTlsFailure(code);
  return {
    result: timeout ? 'timeout' : connect ? 'connect' : 'reset',
    error: timeout ? 'SY_ERR_UPSTREAM_TIMEOUT' : code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || isTlsFailure(code) ? 'SY_ERR_UPSTREAM_CONNECT' : 'SY_ERR_UPSTREAM_RESET',
    retryable: !timeout && connect,
  };
}

/** May a failed attempt be tried again on another backend: nothing came back, nothing of a body went out. */
export function mayRetry(f: { retryable: boolean }, method: string, bodySent: boolean, attempts: number, retries: number): boolean {
  return f.retryable && !bodySent && IDEMPOTENT.has(method) && attempts <= retries;
}

export type DispatchOptions = Dispatcher.DispatchOptions;
