// nq — IPVS never queue (docs/schedulers.md#nq-never-queue): the first idle eligible backend, else the sed rule.
// One pass: return at the first idle backend; otherwise the sed choice over all eligible ones
// (which, with none idle, is exactly what sedSelect would return).
import { statelessDef } from './select.js';
import { eligible, type BackendView } from './types.js';

function nqSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  let best: BackendView | null = null;
  let bo = 0;
  for (let i = 0; i < backends.length; i++) {
    const d = backends[i]!;
    if (!eligible(d, avoid)) continue;
    if (d.active === 0) return d;
    const o = d.active + 1;
    if (best === null || bo * d.weight > o * best.weight) {
      best = d;
      bo = o;
    }
  }
  return best;
}

export const nq = statelessDef('nq', nqSelect);
