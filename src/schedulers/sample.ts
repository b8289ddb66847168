// Drawing k distinct eligible backends at random for p2c and ewma: O(1) per draw from a Walker/Vose
// alias table built on each membership or weight change, with an exact O(N·k) fallback when
// rejection (ineligible or repeated draws) keeps failing.
import { available, eligible, type BackendView } from './types.js';
import { nextRandom } from './rng.js';

export interface AliasTable {
  /** list position of each column's backend, and its id (to notice an unannounced list change) */
  pos: Int32Array;
  ids: string[];
  prob: Float64Array;
  alias: Int32Array;
}

/** Columns for the available backends with weight > 0, proportional to weight (or uniform). */
export function buildAlias(backends: readonly BackendView[], weighted: boolean): AliasTable {
  const pos: number[] = [];
  const w: number[] = [];
  backends.forEach((b, i) => {
    if (available(b) && b.weight > 0) {
      pos.push(i);
      w.push(weighted ? b.weight : 1);
    }
  });
  const n = pos.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const total = w.reduce((a, x) => a + x, 0);
  const scaled = w.map((x) => (x * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((x, i) => (x < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large[large.length - 1]!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    if (scaled[l]! < 1) {
      large.pop();
      small.push(l);
    }
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  return { pos: Int32Array.from(pos), ids: pos.map((i) => backends[i]!.id), prob, alias };
}

/**
 * Fill `out` with up to k distinct eligible backends, each drawn with probability proportional to
 * its column weight among those not drawn yet. Returns how many were drawn (< k only when fewer
 * than k backends are eligible). Randomness comes from `st.seed`.
 */
export function drawDistinct(
  t: AliasTable, st: { seed: number }, backends: readonly BackendView[], k: number,
  avoid: ReadonlySet<string> | undefined, out: BackendView[], weighted: boolean,
): number {
  const n = t.prob.length;
  let got = 0;
  if (n > 0) {
    for (let tries = 0; got < k && tries < 4 * k + 4; tries++) {
      const u = nextRandom(st) * n;
      let c = Math.floor(u);
      if (u - c >= t.prob[c]!) c = t.alias[c]!;
      const b = backends[t.pos[c]!];
      if (b === undefined || b.id !== t.ids[c] || !eligible(b, avoid)) continue;
      let dup = false;
      for (let j = 0; j < got; j++) if (out[j] === b) dup = true;
      if (!dup) out[got++] = b;
    }
  }
  // exact fallback: weighted draw among the eligible backends not drawn yet
  while (got < k) {
    let total = 0;
    for (const b of backends) if (eligible(b, avoid) && !out.slice(0, got).includes(b)) total += weighted ? b.weight : 1;
    if (total === 0) break;
    let r = nextRandom(st) * total;
    for (const b of backends) {
      if (!eligible(b, avoid) || out.slice(0, got).includes(b)) continue;
      r -= weighted ? b.weight : 1;
      if (r < 0) {
        out[got++] = b;
        break;
      }
    }
  }
  return got;
}
