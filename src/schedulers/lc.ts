// lc — IPVS least connection (docs/schedulers.md#lc-least-connection): smallest 256·active + inactive; ties keep the earliest.
import { overhead, statelessDef } from './select.js';
import { eligible, type BackendView } from './types.js';

export function lcSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  let best: BackendView | null = null;
  let bo = 0;
  for (const b of backends) {
    if (!eligible(b, avoid)) continue;
    const o = overhead(b);
    if (best === null || o < bo) {
      best = b;
      bo = o;
    }
  }
  return best;
}

export const lc = statelessDef('lc', lcSelect);
