// Selection rules shared by several schedulers.
import { eligible, type BackendView } from './types.js';

/** IPVS overhead: an active connection costs 256 inactive ones (schedulers.md §1.5). */
export const overhead = (b: BackendView): number => 256 * b.active + b.inactive;

/**
 * IPVS wlc (schedulers.md §5): first eligible backend, replaced by any later one d when
 * overhead(l)·w(d) > overhead(d)·w(l) (strict, cross-multiplied, so ties keep the earliest).
 */
export function wlcSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  let best: BackendView | null = null;
  let bo = 0;
  for (const d of backends) {
    if (!eligible(d, avoid)) continue;
    const o = overhead(d);
    if (best === null || bo * d.weight > o * best.weight) {
      best = d;
      bo = o;
    }
  }
  return best;
}
