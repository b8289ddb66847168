// What a finished request and one upstream attempt report to the runtime's observers
// (access log, stats, passive health checks).
import type { ErrorCode } from '../errors.js';

export type UpstreamResult = 'ok' | 'http5xx' | 'connect' | 'timeout' | 'reset';

export interface AccessRecord {
  method: string;
  path: string;
  status: number;
  route: string | undefined;
  pool: string | undefined;
  backend: string | undefined;
  clientIp: string;
  /** Duration, from the request's arrival to its end (ms). */
  ms: number;
  attempts: number;
  error: ErrorCode | undefined;
  /** The backend's X-Cache header (HIT / MISS …), when it sent one. */
  cache?: string | undefined;
  /** Request body bytes read from the client. */
  bytesIn?: number;
  /** Response body bytes relayed from the backend. */
  bytesOut?: number;
  /** Upstream time of the last attempt: sent to response headers (ms). */
  upstreamMs?: number | undefined;
  userAgent?: string | undefined;
  referer?: string | undefined;
  /** The route's pool, when it had no available backend and its fallback pool (`pool`) served. */
  fallbackFrom?: string | undefined;
  /** The request's ID (src/proxy/request-id.ts), when config requestId is on. */
  requestId?: string | undefined;
}
