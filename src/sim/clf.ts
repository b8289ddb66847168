// Replay of a Common or Combined Log Format access log (or Switchyard's JSON one) as a workload:
//   host ident user [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 ["referer" "agent"]
// Each request's key is its path (query dropped, as hashKey 'path'); an object's size is the
// largest byte count logged for it (`-` or 0 everywhere → `defaultSize`). Malformed lines are
// counted and skipped, never fatal.
// Request rate: by default the replay runs closed-loop at saturation like the LARD paper's trace
// runs (W requests outstanding, throughput measured at saturation). With `timing: true` each
// request arrives at its logged time divided by `speed`; requests logged within the same second
// are spread evenly over it (CLF has 1 s resolution), and out-of-order times are clamped so
// arrivals never go back.
import { readFileSync } from 'node:fs';
import { parseJsonLine } from './json-log.js';
import { catalogBytes, type Workload } from './workload.js';

export type { ClfEntry } from './log-entry.js';
import type { ClfEntry } from './log-entry.js';

export interface ClfProblem {
  line: number;
  reason: string;
}

const LINE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?\s*$/;
const TIME = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `10/Oct/2000:13:55:36 -0700` → ms since the epoch (UTC); undefined when malformed. */
export function parseClfTime(s: string): number | undefined {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const mon = MONTHS.indexOf(m[2]!.toLowerCase());
  if (mon < 0) return undefined;
  const local = Date.UTC(+m[3]!, mon, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  const off = (+m[8]! * 60 + +m[9]!) * 60_000 * (m[7] === '-' ? -1 : 1);
  return local - off;
}

/** One log line → an entry, or a reason it is malformed. */
export function parseClfLine(line: string): ClfEntry | string {
  const m = LINE.exec(line);
  if (!m) return 'not Common/Combined Log Format';
  const time = parseClfTime(m[4]!);
  if (time === undefined) return `bad timestamp [${m[4]}]`;
  const parts = m[5]!.split(' ').filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 3) return `bad request line "${m[5]}"`;
  const [method, target] = parts as [string, string];
  let path = target;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    const slash = path.indexOf('/', path.indexOf('//') + 2);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  const q = path.search(/[?#]/);
  if (q !== -1) path = path.slice(0, q);
  if (!path.startsWith('/') && path !== '*') return `bad request target "${target}"`;
  return {
    host: m[1]!, time, method, path,
    status: m[6] === '-' ? 0 : +m[6]!,
    bytes: m[7] === '-' ? undefined : +m[7]!,
  };
}

export interface ClfOptions {
  /** Use the logged times (open loop) instead of closed-loop saturation. */
  timing: boolean;
  /** Time compression for `timing` (2 = twice as fast as logged). */
  speed: number;
  /** Size for objects never logged with a byte count (default e^9.357 ≈ 11.6 kB, W1's median). */
  defaultSize: number;
  /** At most this many requests (from the start of the log). */
  limit?: number;
}

export interface ClfResult {
  workload: Workload;
  lines: number;
  malformed: number;
  /** The first few malformed lines (1-based numbers) and why. */
  problems: ClfProblem[];
}

export function parseClf(text: string, source: string, o: ClfOptions): ClfResult {
  const ids = new Map<string, number>();
  const keys: string[] = [];
  const sizes: number[] = [];
  const hosts = new Map<string, number>();
  const clientIps: string[] = [];
  const stream: number[] = [];
  const clients: number[] = [];
  const times: number[] = [];
  const problems: ClfProblem[] = [];
  let lines = 0;
  let malformed = 0;
  let pos = 0;
  while (pos < text.length && (o.limit === undefined || stream.length < o.limit)) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    lines++;
    if (line.trim() === '') {
      lines--;
      continue;
    }
    // Switchyard's JSON access log (src/sim/json-log.ts) or a CLF line
    const e = line.startsWith('{') ? parseJsonLine(line) : parseClfLine(line);
    if (e === null) {
      lines--;
      continue;
    }
    if (typeof e === 'string') {
      malformed++;
      if (problems.length < 5) problems.push({ line: lines, reason: e });
      continue;
    }
    let id = ids.get(e.path);
    if (id === undefined) {
      id = keys.length;
      ids.set(e.path, id);
      keys.push(e.path);
      sizes.push(0);
    }
    if (e.bytes !== undefined && e.bytes > sizes[id]!) sizes[id] = e.bytes;
    let c = hosts.get(e.host);
    if (c === undefined) {
      c = clientIps.length;
      hosts.set(e.host, c);
      clientIps.push(e.host);
    }
    stream.push(id);
    clients.push(c);
    times.push(e.time);
  }
  const sz = Float64Array.from(sizes, (s) => (s > 0 ? s : o.defaultSize));
  const workload: Workload = {
    name: `log ${source}`,
    keys, sizes: sz, stream: Int32Array.from(stream), clients: Int32Array.from(clients), clientIps,
    info: {
      kind: 'log', log: source, requests: stream.length, objects: keys.length, clients: clientIps.length,
      malformedLines: malformed, catalogBytes: catalogBytes(sz),
      meanSize: keys.length === 0 ? 0 : Math.round(catalogBytes(sz) / keys.length),
      arrivals: o.timing ? `logged times ÷ ${o.speed}` : 'closed',
    },
  };
  if (o.timing && times.length > 0) workload.arrivals = arrivalTimes(times, o.speed);
  return { workload, lines, malformed, problems };
}

/** Logged times (1 s resolution, possibly slightly out of order) → non-decreasing arrivals in ms from 0. */
export function arrivalTimes(times: readonly number[], speed: number): Float64Array {
  const out = new Float64Array(times.length);
  const t0 = times[0]!;
  let i = 0;
  let last = t0;
  while (i < times.length) {
    const sec = Math.max(last, times[i]!);
    let j = i;
    while (j < times.length && times[j]! <= sec) j++;
    const n = j - i;
    for (let k = 0; k < n; k++) out[i + k] = (sec - t0 + (1000 * k) / n) / speed;
    last = sec;
    i = j;
  }
  return out;
}

export function readClf(file: string, o: ClfOptions): ClfResult {
  return parseClf(readFileSync(file, 'utf8'), file, o);
}

/** The message printed when lines were skipped. */
export function describeMalformed(r: ClfResult, source: string): string | undefined {
  if (r.malformed === 0) return undefined;
  const first = r.problems.map((p) => `line ${p.line}: ${p.reason}`).join('; ');
  return `${source}: skipped ${r.malformed} malformed line${r.malformed === 1 ? '' : 's'} of ${r.lines} (${first}${r.malformed > r.problems.length ? '; …' : ''})`;
}
