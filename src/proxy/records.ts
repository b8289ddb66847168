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
  ms: number;
  attempts: number;
  error: ErrorCode | undefined;
  /** The backend's X-Cache header (HIT / MISS …), when it sent one. */
  cache?: string | undefined;
  /** The request's ID (src/proxy/request-id.ts), when config requestId is on. */
  requestId?: string | undefined;
}
