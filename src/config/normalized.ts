// The validated, defaults-filled form of a config. compile.ts turns it into a runtime snapshot.
import type { RateSpec } from '../limits/rate.js';
import type { AffinityMode, MatchConfig } from './types.js';

export interface Backend {
  /** `host:port` */
  id: string;
  url: string;
  protocol: 'http:' | 'https:' | 'tcp:';
  host: string;
  port: number;
  weight: number;
  /** Takes work only while no primary backend of the pool is available (src/pools/backup.ts). */
  backup?: boolean | undefined;
}

/** `pools.<name>.sorry` (src/proxy/sorry.ts). */
export interface Sorry {
  status: number;
  body: string;
  contentType: string;
}

export type HashKeySpec =
  | { kind: 'path' }
  | { kind: 'url' }
  | { kind: 'client-ip' }
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string };

export interface Health {
  type: 'http' | 'tcp';
  path: string;
  /** Accepted status codes as [lo, hi] ranges. */
  expect: [number, number][];
  interval: number;
  timeout: number;
  rise: number;
  fall: number;
  host: string | undefined;
  /** State of a backend before its first checks. */
  initial: 'up' | 'down';
}

export interface Outlier {
  /** Consecutive failures (connect errors, 5xx, timeouts) that eject a backend; 0 = off. */
  consecutiveFailures: number;
  /** First ejection's cool-down, ms; doubles on each repeat up to maxEjectionTime. */
  baseEjectionTime: number;
  maxEjectionTime: number;
  /** Never eject more than this percentage of a pool. */
  maxEjectPercent: number;
}

/** `pools.<name>.tls` (src/config/schema.ts UpstreamTlsSchema), for the pool's https: backends. */
export interface UpstreamTls {
  /** The CA file as configured; undefined: the system store. */
  caFile: string | undefined;
  /** Its PEM text, read when the config was loaded. */
  ca: string | undefined;
  /** undefined: the backend's host when it is a name, no SNI for an IP address (src/proxy/tls-options.ts). */
  servername: string | undefined;
  rejectUnauthorized: boolean;
}

export type Affinity = Exclude<AffinityMode, { header: string }> | { header: string };

export interface Pool {
  name: string;
  scheduler: string;
  /** Parsed scheduler parameters (shape defined by the scheduler). */
  params: unknown;
  /** Raw scheduler parameter values, for change detection. */
  rawParams: Record<string, unknown>;
  hashKey: HashKeySpec;
  timeout: number;
  connectTimeout: number;
  retries: number;
  learnMime: boolean;
  affinity: Affinity;
  health: Health | undefined;
  outlier: Outlier;
  slowStart: number;
  sendProxy: 'v1' | 'v2' | undefined;
  /** Settings for the pool's https: backends; undefined when the key is absent (then: system store, verified). */
  tls: UpstreamTls | undefined;
  /** A second scheduler that only records (src/pools/shadow.ts); absent: none. */
  shadow?: ShadowSpec | undefined;
  /** MIME globs (lower case) the pool should answer with (src/pools/misroute.ts); absent: not watched. */
  expect?: string[] | undefined;
  /** The pool that takes this one's requests while it has no available backend (src/pools/fallback.ts). */
  fallback: string | undefined;
  sorry: Sorry | undefined;
  backends: Backend[];
}

/** `pools.<name>.shadow` (src/config/pool-watch.ts). */
export interface ShadowSpec {
  scheduler: string;
  params: unknown;
  rawParams: Record<string, unknown>;
  /** Bytes of the modelled LRU per backend. */
  cacheBytes: number;
  /**
   * The key the shadow hashes when the pool sets no `hashKey`: its own scheduler's default, as if
   * it were the pool's scheduler. Absent: the pool's `hashKey`.
   */
  hashKey?: HashKeySpec | undefined;
}

export interface Limits {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxHeaderSize: number;
  maxConnections: number;
  bodyTimeout: number;
  /** undefined: no limit. */
  maxBodySize: number | undefined;
  maxHeaderCount: number;
}

/** One certificate and its key (PEM file paths as written); `at` is its key path in the config. */
export interface CertFiles {
  cert: string;
  key: string;
  at: string;
}

export interface Tls {
  /** The first is the default; the others are chosen by SNI (src/listen/certs.ts). */
  certs: CertFiles[];
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface Listen {
  host: string;
  port: number;
  limits: Limits;
  trustProxy: boolean | string[];
  /** false, true (any sender) or the CIDRs allowed to send a PROXY header. */
  acceptProxy: boolean | string[];
  allowUnderscoreHeaders: boolean;
  mergeSlashes: boolean;
  /** TLS termination (HTTP listeners only). */
  tls?: Tls | undefined;
  /** A cleartext listener answering 308 to https on this port. */
  redirectHttps?: number | undefined;
  /** The Strict-Transport-Security value a tls listener adds to its answers. */
  hsts?: string | undefined;
  /** The HTTP/1.1 engine (src/engine/ or node:http); cleartext h2c and redirectHttps listeners run on node:http. */
  engine: 'fast' | 'node';
  /** HTTP/2 beside HTTP/1.1: ALPN h2 with tls, h2c with prior knowledge without (default: with tls). */
  http2?: boolean | undefined;
  /** node:http2's limits for the HTTP/2 connections of this listener. */
  http2Limits?: Http2Limits | undefined;
}

export interface Http2Limits {
  maxConcurrentStreams: number;
  /** Bytes; from limits.maxHeaderSize when not set. */
  maxHeaderListSize: number;
  maxSessionInvalidFrames: number;
  maxSessionRejectedStreams: number;
  maxOutstandingPings: number;
  maxSettings: number;
}

/** `headers.request` / `headers.response` of a route: names lower case. */
export interface HeaderEdits {
  set: [string, string][];
  remove: string[];
}

/** What a route does besides (or instead of) picking a pool (src/config/route-actions.ts). */
export interface RouteActions {
  redirect?: { to: string; status: 301 | 302 | 307 | 308 } | undefined;
  respond?: { status: number; body: string; contentType: string; headers: [string, string][] } | undefined;
  rewrite?: { stripPrefix?: string | undefined; addPrefix?: string | undefined; replace?: [RegExp, string] | undefined } | undefined;
  request?: HeaderEdits | undefined;
  response?: HeaderEdits | undefined;
  maxBodySize?: number | undefined;
}

export interface Route {
  name: string;
  index: number;
  match: MatchConfig;
  /** undefined when the route answers itself (`redirect` or `respond`). */
  pool: string | undefined;
  caseInsensitive: boolean;
  /** undefined when the route only picks a pool. */
  actions?: RouteActions | undefined;
  /** Token bucket per key (src/limits/rate.ts). */
  rateLimit?: RateSpec | undefined;
}

export interface TcpService {
  name: string;
  listen: Listen;
  pool: string;
  /** ms without traffic before an established connection is cut (default 900000, IPVS tcp). */
  idleTimeout: number;
  /** ms a half-closed connection may stay idle (default 120000, IPVS tcpfin). */
  finTimeout: number;
}

export interface AffinitySettings {
  timeout: number;
  netmask: number;
  maxEntries: number;
  store: string;
  cookieSecret: string | undefined;
  expireQuiescentTemplate: boolean;
}

export interface Admin {
  host: string;
  port: number;
  token: string | undefined;
  /** Host header values accepted besides loopback names and addresses (lower case, no port). */
  allowedHosts: string[];
}

export interface Config {
  listen: Listen[];
  admin: Admin | false;
  affinity: AffinitySettings;
  learnMime: boolean;
  workers: number;
  /** `format` unset: pretty on a terminal, JSON otherwise (src/log/access.ts). */
  log: { level: string; access: boolean; format?: 'pretty' | 'json' | 'combined' };
  pools: Record<string, Pool>;
  routes: Route[];
  tcp: TcpService[];
  /** The request ID header (lower case), or false (src/proxy/request-id.ts). */
  requestId: { header: string } | false;
}
