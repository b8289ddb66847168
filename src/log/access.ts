// Access records as log output: the JSON record (log.format 'json' and 'pretty') and the NCSA
// combined line ('combined'). Both are read back by `switchyard simulate --log` (src/sim/clf.ts,
// src/sim/json-log.ts). Pure: the writers are in src/log/logs.ts.
import type { AccessRecord } from '../proxy/records.js';

export type LogFormat = 'pretty' | 'json' | 'combined';

/** The configured format, or the default: pretty on a terminal, JSON otherwise. */
export function resolveFormat(format: LogFormat | undefined, tty: boolean): LogFormat {
  return format ?? (tty ? 'pretty' : 'json');
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The JSON access record: the record with times rounded to 0.01 ms. */
export function accessFields(r: AccessRecord): AccessRecord {
  return r.upstreamMs === undefined ? { ...r, ms: round(r.ms) } : { ...r, ms: round(r.ms), upstreamMs: round(r.upstreamMs) };
}

/** The pretty format's one line per request (a pino-pretty messageFormat template); a fallback says whose. */
export const PRETTY_REQUEST = '{method} {path} {status} {ms} ms{if pool} → {pool}{end}{if fallbackFrom} (fallback from {fallbackFrom}){end}{if backend} {backend}{end}{if error} {error}{end}';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `06/Dec/2026:13:02:39 +0000` (always UTC). */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A quoted field: `"`, `\` and control characters escaped so one record stays one line. */
function quoted(s: string | undefined): string {
  if (s === undefined || s === '') return '"-"';
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/**
 * `client - - [time] "METHOD path" status bytes "referer" "user-agent"`. The request line has no
 * protocol version (the record does not carry it); readers take the quoted request as a whole.
 */
export function combinedLine(r: AccessRecord, at: number): string {
  const bytes = r.bytesOut ? String(r.bytesOut) : '-';
  const request = quoted(`${r.method} ${r.path}`);
  return `${r.clientIp || '-'} - - [${clfTime(at)}] ${request} ${r.status || '-'} ${bytes} ${quoted(r.referer)} ${quoted(r.userAgent)}\n`;
}
