// Passive (outlier) ejection rules, pure: which upstream results count as failures, how long an
// ejection lasts, and whether a pool may lose one more backend to ejection.
import type { Outlier } from '../config/normalized.js';
import type { BackendState } from '../pools/backend.js';
import type { UpstreamResult } from '../proxy/exchange.js';

/** Connect failures, 5xx answers and timeouts count; a reset after the answer began does not
 *  (a client going away looks the same). */
export function isFailure(r: UpstreamResult): boolean {
  return r === 'connect' || r === 'http5xx' || r === 'timeout';
}

/** Cool-down for the n-th ejection in a row (n ≥ 1): base × 2^(n−1), at most maxEjectionTime. */
export function coolDown(o: Outlier, n: number): number {
  return Math.min(o.maxEjectionTime, o.baseEjectionTime * 2 ** Math.max(0, Math.min(n - 1, 30)));
}

/** How many backends of a pool may be ejected at once: ⌊members × maxEjectPercent / 100⌋. */
export function ejectLimit(members: number, maxEjectPercent: number): number {
  return Math.floor((members * maxEjectPercent) / 100);
}

/** True when ejecting one more backend keeps the pool within maxEjectPercent. */
export function mayEject(backends: readonly BackendState[], o: Outlier, now: number): boolean {
  let members = 0;
  let ejected = 0;
  for (const b of backends) {
    if (b.removing) continue;
    members++;
    if (b.ejectedUntil > now) ejected++;
  }
  return ejected + 1 <= ejectLimit(members, o.maxEjectPercent);
}

/** Why an ejected backend came back: active checks passed, or its ejection time ran out. */
export type ReturnCause = 'checks' | 'time';

/**
 * Passing active checks in a row counted towards ending an ejection early (manager.ts). Only a
 * check that started after the ejection counts: one in flight at that moment saw the backend as
 * it was before. A failure starts the count again.
 */
export function checksSinceEjection(count: number, ok: boolean, startedAfterEjection: boolean): number {
  if (!startedAfterEjection) return count;
  return ok ? count + 1 : 0;
}

/** An ejection ends early once `rise` such checks passed and the active checks call it healthy. */
export function endsEjectionEarly(count: number, rise: number, healthy: boolean): boolean {
  return healthy && count >= rise;
}
