// lblcr — IPVS lblc with replication (docs/schedulers.md#lblcr-lblc-with-replication, kernel ip_vs_lblcr.c): each target maps
// to a server set. Requests go to the set's weighted least-loaded member; when that member is
// overloaded (the lblc rule) the set grows by the cluster-wide wlc choice; after `expiration`
// seconds without modification a multi-member set loses its weighted most-loaded member.
import { expireDue } from './ipvs-expire.js';
import { lblcFamilyDef, lblcOverloaded, type TargetTable } from './lblc.js';
import { locate } from './locate.js';
import { argmax, wlcSelect } from './select.js';
import { available, type BackendView, type PickContext } from './types.js';

interface Entry {
  /** member ids, most recently added first (kernel list order; decides ties) */
  set: string[];
  lastMod: number;
  lastUse: number;
}

type State = TargetTable<Entry>;

/** Members as backends; members that left the list or went down/disabled are stale and dropped. */
function members(st: State, backends: readonly BackendView[], en: Entry): BackendView[] {
  const out: BackendView[] = [];
  let stale = false;
  for (const id of en.set) {
    const b = locate(st, backends, id);
    if (b !== undefined && available(b)) out.push(b);
    else stale = true;
  }
  if (stale) en.set = out.map((b) => b.id);
  return out;
}

/** Kernel ip_vs_dest_set_min: weighted least-loaded eligible member (the wlc rule over the set). */
const setMin = wlcSelect;

/** Kernel ip_vs_dest_set_max: weighted most-loaded member with weight > 0; ties → earliest. */
const setMax = (ms: readonly BackendView[]): BackendView | null => argmax(ms, 'overhead', true);

function pick(ctx: PickContext, backends: readonly BackendView[], st: State, expirationMs: number): BackendView | null {
  const key = ctx.key;
  if (key === undefined) return wlcSelect(backends, ctx.avoid);
  const now = ctx.now;
  expireDue(st.clock, st.table, expirationMs, now);
  const en = st.table.get(key);
  if (en !== undefined) {
    en.lastUse = now;
    const ms = members(st, backends, en);
    const n = setMin(ms, ctx.avoid);
    if (en.set.length > 1 && now - en.lastMod > expirationMs) {
      const m = setMax(ms);
      if (m !== null) {
        en.set = en.set.filter((id) => id !== m.id);
        en.lastMod = now;
      }
    }
    // As in the kernel, n was chosen before the shrink and is used even if it was just removed.
    if (n !== null && !lblcOverloaded(n, backends)) return n;
    const d = wlcSelect(backends, ctx.avoid);
    if (d === null) return null;
    if (!en.set.includes(d.id)) {
      en.set.unshift(d.id);
      en.lastMod = now;
    }
    return d;
  }
  const d = wlcSelect(backends, ctx.avoid);
  if (d === null) return null;
  st.table.set(key, { set: [d.id], lastMod: now, lastUse: now });
  return d;
}

export const lblcr = lblcFamilyDef<Entry>('lblcr', pick);
