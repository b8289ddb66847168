// The rate-limit tables of the running routes, kept across reloads while a route keeps the same
// rateLimit (src/runtime/runtime.ts holds one; src/pipeline/admit.ts asks it).
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_MAX_KEYS, RateTable, type RateSpec } from './rate.js';

const same = (a: RateSpec, b: RateSpec) => a.rate === b.rate && a.per === b.per && a.burst === b.burst && a.key === b.key && a.shared === b.shared;

export class RateLimits {
  /** By route name. */
  readonly tables = new Map<string, RateTable>();
  /** Requests refused per route since start (metrics, API). */
  readonly limited = new Map<string, number>();

  constructor(readonly maxKeys = DEFAULT_MAX_KEYS) {}

  /** The route's table, made anew when its rateLimit changed. */
  table(route: string, spec: RateSpec): RateTable {
    let t = this.tables.get(route);
    if (t === undefined || (t.spec !== spec && !same(t.spec, spec))) this.tables.set(route, (t = new RateTable(spec, this.maxKeys)));
    return t;
  }

  /** 0 when the request may go, else ms until the key has a token (and the refusal is counted). */
  take(route: string, spec: RateSpec, clientIp: string, headers: IncomingHttpHeaders, now: number): number {
    const wait = this.table(route, spec).take(keyOf(spec.key, clientIp, headers), now);
    if (wait > 0) this.limited.set(route, (this.limited.get(route) ?? 0) + 1);
    return wait;
  }

  /** After a reload: drop the tables of routes that are gone or lost their rateLimit. */
  retain(routes: readonly { name: string; rateLimit?: RateSpec | undefined }[]): void {
    const keep = new Set(routes.filter((r) => r.rateLimit !== undefined).map((r) => r.name));
    for (const name of this.tables.keys()) if (!keep.has(name)) this.tables.delete(name);
  }
}

/** 'client' → the client address; 'header:<name>' → that header (the client address when absent). */
export function keyOf(key: string, clientIp: string, headers: IncomingHttpHeaders): string {
  if (key === 'client') return clientIp;
  const v = headers[key.slice(7)];
  if (v === undefined || v === '') return clientIp;
  return 'h:' + (Array.isArray(v) ? v.join(',') : v);
}
