// lc — IPVS least connection (schedulers.md §4): smallest 256·active + inactive; ties keep the earliest.
import { overhead } from './select.js';
import { eligible, type BackendView, type SchedulerDef } from './types.js';

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

export const lc: SchedulerDef<null> = {
  name: 'lc',
  family: 'dynamic',
  hashing: false,
  params: [],
  parse: () => null,
  create: () => ({
    init: () => null,
    pick: (ctx, backends) => lcSelect(backends, ctx.avoid),
  }),
};
