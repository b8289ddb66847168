// sed — IPVS shortest expected delay (docs/schedulers.md#sed-shortest-expected-delay): smallest (active + 1) / weight,
// cross-multiplied, strict replacement (ties keep the earliest); inactive connections ignored.
import { argmin, statelessDef } from './select.js';
import type { BackendView } from './types.js';

export function sedSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  return argmin(backends, avoid, 'delay', true);
}

export const sed = statelessDef('sed', sedSelect);
