// sh — IPVS source hashing (schedulers.md §9): 2^tableBits buckets filled by walking the available
// backends cyclically, `weight` consecutive buckets each (weight 0 still one per lap); keyed by the
// client address (default hashKey 'client-ip'), plus its port with `port: true`.
import { keyBucket } from './dh.js';
import { bool, num } from './params.js';
import { wlcSelect } from './select.js';
import { defineScheduler, eligible, type BackendView } from './types.js';
import { availableIndexes, idsOf } from './util.js';

export interface ShParams {
  tableBits: number;
  fallback: boolean;
  port: boolean;
}

interface State {
  /** bucket → index in the backend list; -1 = no backend */
  table: Int32Array;
  ids: string[];
}

function build(backends: readonly BackendView[], bits: number): State {
  const size = 1 << bits;
  const table = new Int32Array(size).fill(-1);
  const members = availableIndexes(backends);
  if (members.length > 0) {
    let m = 0;
    let count = 0;
    for (let i = 0; i < size; i++) {
      const bi = members[m]!;
      table[i] = bi;
      if (++count >= backends[bi]!.weight) {
        m = (m + 1) % members.length;
        count = 0;
      }
    }
  }
  return { table, ids: idsOf(backends) };
}

export const sh = defineScheduler<ShParams, State>({
  name: 'sh',
  family: 'static',
  hashing: true,
  defaultHashKey: 'client-ip',
  params: ['tableBits', 'fallback', 'port'],
  parse: (raw, at, problems) => ({
    tableBits: num(raw, 'tableBits', at, problems, 8, { integer: true, min: 1, max: 20 }),
    fallback: bool(raw, 'fallback', at, problems, false),
    port: bool(raw, 'port', at, problems, false),
  }),
  create: (p) => ({
    init: (backends) => build(backends, p.tableBits),
    pick(ctx, backends, st) {
      if (ctx.key === undefined) return wlcSelect(backends, ctx.avoid);
      const size = st.table.length;
      const h = keyBucket(ctx.key, ctx.clientIp, p.tableBits, p.port ? ctx.clientPort : 0);
      let i = st.table[h]!;
      if (i >= 0 && backends[i]?.id !== st.ids[i]) {
        Object.assign(st, build(backends, p.tableBits));
        i = st.table[h]!;
      }
      if (i < 0) return null;
      const b = backends[i]!;
      if (eligible(b, ctx.avoid)) return b;
      if (!p.fallback) return null;
      // kernel sh-fallback: probe (h + ((h + k) mod size)) mod size = (2h + k) mod size
      for (let k = 0; k < size; k++) {
        const j = st.table[(2 * h + k) & (size - 1)]!;
        if (j < 0) break;
        const c = backends[j]!;
        if (eligible(c, ctx.avoid)) return c;
      }
      return null;
    },
    onBackendsChanged: (_s, backends) => build(backends, p.tableBits),
  }),
});
