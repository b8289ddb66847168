// sed — IPVS shortest expected delay (docs/schedulers.md#sed-shortest-expected-delay): smallest (active + 1) / weight,
// cross-multiplied, strict replacement (ties keep the earliest); inactive connections ignored.
import { statelessDef } from './select.js';
import { eligible, type BackendView } from './types.js';

export function sedSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  let best: BackendView | null = null;
  let bo = 0;
  for (const d of backends) {
    if (!eligible(d, avoid)) continue;
    const o = d.active + 1;
    if (best === null || bo * d.weight > o * best.weight) {
      best = d;
      bo = o;
    }
  }
  return best;
}

export const sed = statelessDef('sed', sedSelect);
