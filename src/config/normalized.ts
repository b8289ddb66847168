// The validated, defaults-filled form of a config. compile.ts turns it into a runtime snapshot.
import type { AffinityMode, MatchConfig } from './types.js';

export interface Backend {
  /** `host:port` */
  id: string;
  url: string;
  protocol: 'http:' | 'https:' | 'tcp:';
  host: string;
  port: number;
  weight: number;
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
  backends: Backend[];
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

export interface Route {
  name: string;
  index: number;
  match: MatchConfig;
  pool: string;
  caseInsensitive: boolean;
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
  log: { level: string; access: boolean };
  pools: Record<string, Pool>;
  routes: Route[];
  tcp: TcpService[];
}
