// Checks of `pools.<name>.fallback` and `sorry` that the schema cannot make (src/config/schema.ts):
// the fallback names another HTTP pool, and following fallbacks never comes back to a pool.
import { STATUS_CODES } from 'node:http';
import type { Static } from '@sinclair/typebox';
import type { Problem } from '../schedulers/types.js';
import { closest, q } from './check-value.js';
import type * as N from './normalized.js';
import type { SorrySchema } from './schema.js';

type SorryIn = { [K in keyof Static<typeof SorrySchema>]-?: Static<typeof SorrySchema>[K] };

/** The normalized sorry answer; the body defaults to the status and its reason phrase. */
export function sorry(s: SorryIn | undefined): N.Sorry | undefined {
  if (s === undefined) return undefined;
  return { status: s.status, body: s.body ?? `${s.status} ${STATUS_CODES[s.status] ?? ''}\n`, contentType: s.contentType };
}

/** `fallback: '<pool>'` beside the schedulers' own boolean `fallback` (sh, mh): told apart by type. */
export const isFallbackPool = (key: string, value: unknown): boolean => key === 'fallback' && typeof value === 'string';

/** The fallback pool's name; a boolean is only valid for a scheduler with a `fallback` parameter. */
export function fallbackPool(problems: Problem[], at: string, value: string | boolean | undefined, params: readonly string[]): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== undefined && !params.includes('fallback')) problems.push({ path: at, message: `must name a pool, got ${q(value)} (true or false only as the sh and mh schedulers' own parameter)` });
  return undefined;
}

/** `poolNames`: every pool key written (some may have failed validation); `tcpPools`: pools of tcp services. */
export function checkFailover(problems: Problem[], pools: Record<string, N.Pool>, poolNames: readonly string[], tcpPools: ReadonlySet<string>): void {
  const err = (path: string, message: string) => void problems.push({ path, message });
  for (const p of Object.values(pools)) {
    const at = `pools.${p.name}`;
    if (p.sorry !== undefined && tcpPools.has(p.name)) err(`${at}.sorry`, 'applies to HTTP pools only; this pool serves a tcp service');
    const to = p.fallback;
    if (to === undefined) continue;
    if (!poolNames.includes(to)) {
      const near = closest(to, poolNames);
      err(`${at}.fallback`, `pool ${q(to)} is not defined in pools${near ? `; did you mean '${near}'?` : ''}`);
    } else if (to === p.name) err(`${at}.fallback`, 'a pool cannot fall back to itself');
    else if (tcpPools.has(p.name) || tcpPools.has(to)) err(`${at}.fallback`, 'applies between HTTP pools only; a tcp service uses one of these pools');
  }
  // each cycle once, named at the first of its pools in config order
  const reported = new Set<string>();
  for (const start of Object.keys(pools)) {
    const chain = [start];
    let next = pools[start]!.fallback;
    while (next !== undefined && next !== start && !chain.includes(next) && pools[next] !== undefined) {
      chain.push(next);
      next = pools[next]!.fallback;
    }
    if (next !== start || chain.length < 2 || chain.some((n) => reported.has(n))) continue;
    for (const n of chain) reported.add(n);
    err(`pools.${start}.fallback`, `fallback pools form a cycle: ${[...chain, start].join(' → ')}`);
  }
}
