// sh — IPVS source hashing (docs/schedulers.md#sh-source-hashing): 2^tableBits buckets filled by walking the available
// backends cyclically, `weight` consecutive buckets each (weight 0 still one per lap); keyed by the
// client address (default hashKey 'client-ip'), plus its port with `port: true`.
import { keyBucket } from './dh.js';
import { bool, declareParams, int } from './params.js';
import { wlcSelect } from './select.js';
import { defineScheduler, eligible, type BackendView } from './types.js';
import { availableIndexes, idsOf } from './util.js';

const shParams = declareParams({
  tableBits: int(8, 'log2 of the hash table size', { minimum: 1, maximum: 20 }),
  fallback: bool(false, "when the hashed backend is not eligible, try the next bucket's backend (IPVS sh-fallback)"),
  port: bool(false, 'hash the client port too (IPVS sh-port)'),
});
export type ShParams = ReturnType<typeof shParams.parse>;

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
  ...shParams,
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
