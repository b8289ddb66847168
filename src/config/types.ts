// The user-facing configuration (routes.config.ts). Every key is part of the contract in
// docs/configuration.md; validate.ts checks each of them and names the key path of every problem.

export interface ListenLimits {
  /** ms for the whole request header block (default 10000). */
  headersTimeout?: number;
  /** ms for the whole request (default 300000). */
  requestTimeout?: number;
  /** ms an idle keep-alive connection is kept (default 5000). */
  keepAliveTimeout?: number;
  /** bytes of request headers (default 16384; larger gets 431). */
  maxHeaderSize?: number;
  /** concurrent client connections (default 10000). */
  maxConnections?: number;
  /** ms of silence allowed between two reads of a request body (default 30000; past it 408). */
  bodyTimeout?: number;
  /** bytes of request body (default: no limit; larger gets 413 before anything is forwarded). */
  maxBodySize?: number;
  /** request header fields (default 100; more gets 431). */
  maxHeaderCount?: number;
}

export interface ListenConfig {
  host?: string;
  port: number;
  limits?: ListenLimits;
  /** Keep and append X-Forwarded-* when true, or when the peer is inside one of these CIDRs. */
  trustProxy?: boolean | string[];
  /**
   * Expect a PROXY protocol v1/v2 header from an L4 balancer in front: `true` (any sender) or the
   * CIDRs of the balancers allowed to send one; connections from other peers are closed.
   */
  acceptProxy?: boolean | string[];
  /** Forward header names containing `_` (default false: they are dropped). */
  allowUnderscoreHeaders?: boolean;
  /** Merge repeated slashes in the path before matching and forwarding (default true). */
  mergeSlashes?: boolean;
}

export interface AdminConfig {
  host?: string;
  port?: number;
  token?: string | undefined;
  /** Host header values (names or addresses, without port) accepted besides loopback ones. */
  allowedHosts?: string[];
}

export interface AffinityConfig {
  /** Seconds a persistence template lives after its last use (default 300). */
  timeout?: number;
  /** Client address prefix length for templates (default 32 / 128). */
  netmask?: number;
  /** Table bound; at the bound the entries unused longest go first (CLOCK, ≈ LRU; default 1_000_000). */
  maxEntries?: number;
  /** 'memory' (default) or a redis:// URL shared by several instances. */
  store?: string;
  /** Key for signing affinity cookies (default: random per process, or shared through the store). */
  cookieSecret?: string;
  expireQuiescentTemplate?: boolean;
}

export interface HealthConfig {
  type?: 'http' | 'tcp';
  path?: string;
  /** Status codes (list) or a range string like '200-399'. */
  expect?: number[] | string;
  interval?: number;
  timeout?: number;
  rise?: number;
  fall?: number;
  host?: string;
  /** State of a backend before its first checks: 'up' (default) or 'down' (needs `rise` passes). */
  initial?: 'up' | 'down';
}

export interface BackendConfig {
  url: string;
  weight?: number;
}

export type AffinityMode = 'none' | 'connection' | 'client' | 'cookie' | { header: string };

export interface PoolConfig {
  scheduler?: string;
  backends: (string | BackendConfig)[];
  /** 'path' | 'url' | 'client-ip' | 'header:<name>' | 'cookie:<name>' */
  hashKey?: string;
  /** ms to wait for response headers (default 30000). */
  timeout?: number;
  /** ms to connect (default 2000). */
  connectTimeout?: number;
  /** retries on another backend (default 2). */
  retries?: number;
  learnMime?: boolean;
  affinity?: AffinityMode;
  health?: HealthConfig;
  /** ms over which a new or recovered backend's weight ramps up (default 0: off). */
  slowStart?: number;
  /** PROXY protocol header sent to backends. */
  sendProxy?: 'v1' | 'v2';
  /** Scheduler parameters sit beside `scheduler` (balanceFactor, tLow, tHigh, tableSize, …). */
  [param: string]: unknown;
}

export type HeaderMatch = string | RegExp | boolean;

export interface MatchConfig {
  path?: string | string[];
  mime?: string | string[];
  headers?: Record<string, HeaderMatch>;
  method?: string | string[];
  host?: string | string[];
  query?: Record<string, string | RegExp>;
}

export interface RouteConfig {
  name?: string;
  match?: MatchConfig;
  pool: string;
  /** Match `match.path` globs without regard to case (default false: case-sensitive). */
  caseInsensitive?: boolean;
}

export interface TcpServiceConfig {
  name?: string;
  listen: ListenConfig;
  pool: string;
  /** ms without traffic before an established connection is cut (default 900000, IPVS tcp). */
  idleTimeout?: number;
  /** ms a half-closed connection may stay idle (default 120000, IPVS tcpfin). */
  finTimeout?: number;
}

export interface SwitchyardConfig {
  listen?: ListenConfig | ListenConfig[];
  admin?: AdminConfig | false;
  affinity?: AffinityConfig;
  /** Infer MIME from backends' answers for all pools (default false). */
  learnMime?: boolean;
  /** node:cluster workers: 'auto' (one per core) or a number (default 1: no cluster). */
  workers?: 'auto' | number;
  log?: { level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; access?: boolean };
  pools: Record<string, PoolConfig>;
  routes: RouteConfig[];
  tcp?: TcpServiceConfig[];
}
