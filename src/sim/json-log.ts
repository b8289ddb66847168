// Switchyard's JSON access log (log.format 'json', src/log/access.ts) as replay entries for
// src/sim/clf.ts: one pino record a line; records whose msg is not 'request' (health changes,
// reloads from older versions that wrote them to stdout) are skipped, not counted as malformed.
import type { ClfEntry } from './log-entry.js';

/** One JSON line → an entry, a reason it is malformed, or null for a record that is not a request. */
export function parseJsonLine(line: string): ClfEntry | string | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (r.msg !== 'request') return null;
  if (typeof r.method !== 'string' || typeof r.path !== 'string' || !r.path.startsWith('/')) return 'access record without method or path';
  const time = typeof r.time === 'number' ? r.time : typeof r.time === 'string' ? Date.parse(r.time) : NaN;
  if (!Number.isFinite(time)) return 'access record without a time';
  return {
    host: typeof r.clientIp === 'string' && r.clientIp !== '' ? r.clientIp : '-',
    time, method: r.method, path: r.path,
    status: typeof r.status === 'number' ? r.status : 0,
    bytes: typeof r.bytesOut === 'number' && r.bytesOut > 0 ? r.bytesOut : undefined,
  };
}
