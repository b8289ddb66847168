// lblc — IPVS locality-based least connection (docs/schedulers.md#lblc-locality-based-least-connection, kernel ip_vs_lblc.c): each
// target (the request's hash key) maps to one backend, kept while that backend is eligible and
// not overloaded; otherwise the target is rescheduled by wlc and the entry updated.
import { expireDue, newClock, type ExpiryClock } from './ipvs-expire.js';
import { locate, positionsOf } from './locate.js';
import { declareParams, num } from './params.js';
import { wlcSelect } from './select.js';
import { available, defineScheduler, eligible, type BackendView, type PickContext, type SchedulerDef } from './types.js';

const lblcParams = declareParams({
  expiration: num(86_400, 'seconds an unused target entry is kept (sysctl lblc_expiration)', { minimum: 1 }),
});
export type LblcParams = ReturnType<typeof lblcParams.parse>;

interface Entry {
  id: string;
  lastUse: number;
}

/** The state of the lblc family: target → entry, the expiry clock, backend positions. */
export interface TargetTable<E> {
  table: Map<string, E>;
  clock: ExpiryClock;
  pos: Map<string, number>;
}

type State = TargetTable<Entry>;

/**
 * IPVS is_overloaded(): active(n) > weight(n) while some backend m is below half its weight
 * (2·active(m) < weight(m)). Shared with lblcr.
 */
export function lblcOverloaded(n: BackendView, backends: readonly BackendView[]): boolean {
  if (n.active <= n.weight) return false;
  for (const m of backends) if (available(m) && 2 * m.active < m.weight) return true;
  return false;
}

function pick(ctx: PickContext, backends: readonly BackendView[], st: State, expirationMs: number): BackendView | null {
  const key = ctx.key;
  if (key === undefined) return wlcSelect(backends, ctx.avoid);
  expireDue(st.clock, st.table, expirationMs, ctx.now);
  const en = st.table.get(key);
  if (en !== undefined) {
    en.lastUse = ctx.now;
    const n = locate(st, backends, en.id);
    if (n !== undefined && eligible(n, ctx.avoid) && !lblcOverloaded(n, backends)) return n;
  }
  const d = wlcSelect(backends, ctx.avoid);
  if (d === null) return null;
  if (en !== undefined) en.id = d.id;
  else st.table.set(key, { id: d.id, lastUse: ctx.now });
  return d;
}

/** The IPVS lblc family's definition: a target table in state, expiry by the kernel's clock. */
export function lblcFamilyDef<E>(
  name: string,
  pickFn: (ctx: PickContext, backends: readonly BackendView[], st: TargetTable<E>, expirationMs: number) => BackendView | null,
): SchedulerDef<LblcParams> {
  return defineScheduler<LblcParams, TargetTable<E>>({
    name,
    family: 'locality',
    hashing: true,
    ...lblcParams,
    create(params) {
      const expirationMs = params.expiration * 1000;
      return {
        init: (backends, now) => ({ table: new Map(), clock: newClock(now), pos: positionsOf(backends) }),
        pick: (ctx, backends, st) => pickFn(ctx, backends, st, expirationMs),
        onBackendsChanged(st, backends) {
          st.pos = positionsOf(backends);
          return st;
        },
      };
    },
  });
}

export const lblc = lblcFamilyDef<Entry>('lblc', pick);
