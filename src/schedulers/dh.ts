// dh — IPVS destination hashing (docs/schedulers.md#dh-destination-hashing): 2^tableBits buckets, bucket i owned by the
// i-th available backend cyclically (weights ignored); the owner or nothing (no fallback).
import { addrToU32, ipvsBucket, murmur3 } from './hash.js';
import { declareParams, int } from './params.js';
import { wlcSelect } from './select.js';
import { defineScheduler, eligible, type BackendView } from './types.js';
import { availableIndexes, idsOf } from './util.js';

const dhParams = declareParams({
  tableBits: int(8, 'log2 of the hash table size', { minimum: 1, maximum: 20 }),
});
export type DhParams = ReturnType<typeof dhParams.parse>;

interface State {
  /** bucket → index in the backend list; -1 = no backend */
  table: Int32Array;
  ids: string[];
}

/** Bucket of a key: the IPVS integer mix for a client address, murmur3's top bits otherwise. */
export function keyBucket(key: string, clientIp: string, bits: number, port = 0): number {
  if (key === clientIp) return ipvsBucket((addrToU32(key) + port) >>> 0, bits);
  return murmur3(port === 0 ? key : `${key}:${port}`) >>> (32 - bits);
}

function build(backends: readonly BackendView[], bits: number): State {
  const size = 1 << bits;
  const table = new Int32Array(size).fill(-1);
  const members = availableIndexes(backends);
  if (members.length > 0) for (let i = 0; i < size; i++) table[i] = members[i % members.length]!;
  return { table, ids: idsOf(backends) };
}

export const dh = defineScheduler<DhParams, State>({
  name: 'dh',
  family: 'locality',
  hashing: true,
  ...dhParams,
  create: (p) => ({
    init: (backends) => build(backends, p.tableBits),
    pick(ctx, backends, st) {
      if (ctx.key === undefined) return wlcSelect(backends, ctx.avoid);
      const h = keyBucket(ctx.key, ctx.clientIp, p.tableBits);
      let i = st.table[h]!;
      if (i >= 0 && backends[i]?.id !== st.ids[i]) {
        // the list changed without a notification: rebuild in place
        Object.assign(st, build(backends, p.tableBits));
        i = st.table[h]!;
      }
      const b = i >= 0 ? backends[i] : undefined;
      return b !== undefined && eligible(b, ctx.avoid) ? b : null;
    },
    onBackendsChanged: (_s, backends) => build(backends, p.tableBits),
  }),
});
