// A Ketama-style hash ring (docs/schedulers.md#chbl-consistent-hashing-with-bounded-loads): each member placed at points murmur3("<id>_<i>"),
// sorted; a key's position is the first point at or after murmur3(key), wrapping round.
import { murmur3 } from './hash.js';

export interface Ring {
  /** member ids; `owner` indexes into this */
  members: string[];
  /** lastWeight of each member when the ring was built (to know when to rebuild) */
  weights: number[];
  /** sorted point hashes */
  points: Uint32Array;
  /** member index of each point */
  owner: Uint32Array;
  /** bucket b → index of the first point ≥ b·2^shift: a look-up touches one bucket, not log2(size) points */
  index: Uint32Array;
  shift: number;
}

/** 2^20: room for the member rank below a 32-bit hash in one exact double. */
const SCALE = 1_048_576;

/**
 * Build the ring. A member of weight w gets max(1, round(R · w / w̄)) points, w̄ the mean member
 * weight: with equal weights every member has exactly R points whatever the member count, so
 * adding or removing one member moves only the keys it gains or loses.
 */
export function buildRing(members: readonly string[], weights: readonly number[], minRingSize: number): Ring {
  const n = members.length;
  let total = 0;
  for (const w of weights) total += w;
  const counts = members.map((_, i) => (total > 0 ? Math.max(1, Math.round((minRingSize * weights[i]! * n) / total)) : 1));
  const size = counts.reduce((a, b) => a + b, 0);
  // sort key = hash · 2^20 + the member's rank by id (exact in a double): ties between two
  // members' points (rare) go to the smaller id, so the ring does not depend on list order
  const rank = new Array<number>(n);
  members.map((id, m) => [id, m] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).forEach(([, m], r) => (rank[m] = r));
  const byRank = new Array<number>(n);
  rank.forEach((r, m) => (byRank[r] = m));
  const sortKeys = new Float64Array(size);
  let k = 0;
  for (let m = 0; m < n; m++) {
    const id = members[m]!;
    for (let i = 0; i < counts[m]!; i++) sortKeys[k++] = murmur3(`${id}_${i}`) * SCALE + rank[m]!;
  }
  sortKeys.sort();
  const points = new Uint32Array(size);
  const owner = new Uint32Array(size);
  for (let j = 0; j < size; j++) {
    const x = sortKeys[j]!;
    const r = x % SCALE;
    points[j] = (x - r) / SCALE;
    owner[j] = byRank[r]!;
  }
  // about one point per bucket
  const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(Math.max(1, size)))));
  const shift = 32 - bits;
  const index = new Uint32Array((1 << bits) + 1);
  let j = 0;
  for (let b = 0; b <= 1 << bits; b++) {
    const start = b * 2 ** shift;
    while (j < size && points[j]! < start) j++;
    index[b] = j;
  }
  return { members: [...members], weights: [...weights], points, owner, index, shift };
}

/** Index of the first point ≥ h (0 after the last point). */
export function ringStart(ring: Ring, h: number): number {
  const p = ring.points;
  const b = h >>> ring.shift;
  let lo = ring.index[b]!;
  let hi = ring.index[b + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (p[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === p.length ? 0 : lo;
}
