// Selection rules shared by several schedulers.
import { eligible, type BackendView, type SchedulerDef } from './types.js';

export type Select = (backends: readonly BackendView[], avoid?: ReadonlySet<string>) => BackendView | null;

/** A scheduler with no state and no parameters: each pick is one selection rule over the list. */
export function statelessDef(name: string, select: Select): SchedulerDef<null> {
  return {
    name,
    family: 'dynamic',
    hashing: false,
    params: [],
    parse: () => null,
    create: () => ({ init: () => null, pick: (ctx, backends) => select(backends, ctx.avoid) }),
  };
}

/** IPVS overhead: an active connection costs 256 inactive ones (docs/schedulers.md#load-figure-and-hashing). */
export const overhead = (b: BackendView): number => 256 * b.active + b.inactive;

/**
 * IPVS wlc (docs/schedulers.md#wlc-weighted-least-connection): first eligible backend, replaced by any later one d when
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
