// chbl — consistent hashing with bounded loads (docs/schedulers.md#chbl-consistent-hashing-with-bounded-loads; Mirrokni, Thorup and
// Zadimoghaddam): walk the ring clockwise from the key over distinct backends and take the first
// eligible b whose in-flight count is below cap(b) = ⌈c · (T + 1) · w_b / W⌉, where T is the pool's
// in-flight total and W the sum of eligible weights. balanceFactor 0 = plain ring hash.
import { murmur3 } from './hash.js';
import { locate, positionsOf } from './locate.js';
import { declareParams, int, num } from './params.js';
import { buildRing, ringStart, type Ring } from './ring.js';
import { wlcSelect } from './select.js';
import { prebuilt } from './prebuilt.js';
import { available, defineScheduler, eligible, type BackendView, type PickContext } from './types.js';

const chblParams = declareParams({
  balanceFactor: num(1.25, 'c: a backend takes at most ⌈c · mean load⌉ requests in flight; 0 disables the bound, otherwise > 1', { minimum: 0 }),
  minRingSize: int(1024, 'ring points per backend of mean weight', { minimum: 1, maximum: 65_536 }),
}, (p, at, problems) => {
  if (p.balanceFactor > 0 && p.balanceFactor <= 1) {
    problems.push({ path: `${at}.balanceFactor`, message: `must be 0 (no bound) or greater than 1, got ${p.balanceFactor}` });
    return { ...p, balanceFactor: 1.25 };
  }
  return p;
});
export type ChblParams = ReturnType<typeof chblParams.parse>;

interface State {
  ring: Ring;
  pos: Map<string, number>;
  /** ids of the whole list the ring was built from (to notice unannounced changes) */
  listIds: string[];
  /** visit stamps per ring member for the distinct-backend walk */
  seen: Uint32Array;
  stamp: number;
}

/** c as an exact fraction num/den (den a power of ten), so caps are exact integer arithmetic. */
export function fraction(c: number): { num: number; den: number } {
  let den = 1;
  while (den < 1e9 && Math.abs(Math.round(c * den) - c * den) > 1e-6) den *= 10;
  return { num: Math.round(c * den), den };
}

/** ⌈a / b⌉ for non-negative integers a, b > 0, exact. */
export function ceilDiv(a: number, b: number): number {
  if (a > Number.MAX_SAFE_INTEGER || b > Number.MAX_SAFE_INTEGER) return Number((BigInt(a) + BigInt(b) - 1n) / BigInt(b));
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q * b === a ? q : q + 1;
}

/** cap(b) = ⌈c·(T+1)·w/W⌉ with c = num/den. */
export function chblCap(c: { num: number; den: number }, total: number, w: number, wSum: number): number {
  const a = c.num * (total + 1) * w;
  const b = c.den * wSum;
  return Number.isSafeInteger(a) && Number.isSafeInteger(b)
    ? ceilDiv(a, b)
    : Number((BigInt(c.num) * BigInt(total + 1) * BigInt(w) + BigInt(b) - 1n) / BigInt(b));
}

/** active < c·(T+1)·w/W, exactly. */
function below(active: number, c: { num: number; den: number }, total: number, w: number, wSum: number): boolean {
  const lhs = active * c.den * wSum;
  const rhs = c.num * (total + 1) * w;
  if (Number.isSafeInteger(lhs) && Number.isSafeInteger(rhs)) return lhs < rhs;
  return BigInt(active) * BigInt(c.den) * BigInt(wSum) < BigInt(c.num) * BigInt(total + 1) * BigInt(w);
}

/** What a ring is built from, as a key for src/schedulers/prebuilt.ts. */
function ringKey(ids: readonly string[], weights: readonly number[], minRingSize: number): string {
  let s = `chbl:${minRingSize}:`;
  for (let i = 0; i < ids.length; i++) s += `${ids[i]}=${weights[i]},`;
  return s;
}

/** The ring for these available backends (in list order), keyed as build() looks it up. */
export function chblPrebuild(minRingSize: number, live: readonly { id: string; lastWeight: number }[]): { key: string; ring: Ring } {
  const ids = live.map((b) => b.id);
  const weights = live.map((b) => Math.max(1, b.lastWeight));
  return { key: ringKey(ids, weights, minRingSize), ring: buildRing(ids, weights, minRingSize) };
}

function build(backends: readonly BackendView[], minRingSize: number): State {
  const ms = backends.filter(available);
  const ids = ms.map((b) => b.id);
  const weights = ms.map((b) => Math.max(1, b.lastWeight));
  const ring = prebuilt<Ring>(ringKey(ids, weights, minRingSize)) ?? buildRing(ids, weights, minRingSize);
  return { ring, pos: positionsOf(backends), listIds: backends.map((b) => b.id), seen: new Uint32Array(ms.length), stamp: 0 };
}

/** True when the ring no longer reflects the available backends and their lastWeight. */
function stale(st: State, backends: readonly BackendView[]): boolean {
  const r = st.ring;
  let k = 0;
  for (const b of backends) {
    if (!available(b)) continue;
    if (r.members[k] !== b.id || r.weights[k] !== Math.max(1, b.lastWeight)) return true;
    k++;
  }
  return k !== r.members.length;
}

function pick(
  ctx: PickContext, backends: readonly BackendView[], st: State, c: { num: number; den: number } | null, minRingSize: number,
): BackendView | null {
  if (ctx.key === undefined) return wlcSelect(backends, ctx.avoid);
  // one pass: pool total, eligible weight, and a check that the list is the one we know
  let total = 0;
  let wSum = 0;
  let same = backends.length === st.listIds.length;
  for (let i = 0; i < backends.length; i++) {
    const b = backends[i]!;
    total += b.active;
    if (eligible(b, ctx.avoid)) wSum += b.weight;
    if (same && st.listIds[i] !== b.id) same = false;
  }
  if (!same) Object.assign(st, build(backends, minRingSize));
  if (wSum === 0) return null;
  const r = st.ring;
  const L = r.points.length;
  const nm = r.members.length;
  if (L === 0) return null;
  st.stamp = (st.stamp + 1) >>> 0;
  if (st.stamp === 0) {
    st.seen.fill(0);
    st.stamp = 1;
  }
  const stamp = st.stamp;
  let i = ringStart(r, murmur3(ctx.key));
  let distinct = 0;
  for (let k = 0; k < L && distinct < nm; k++, i = i + 1 === L ? 0 : i + 1) {
    const m = r.owner[i]!;
    if (st.seen[m] === stamp) continue;
    st.seen[m] = stamp;
    distinct++;
    const b = locate(st, backends, r.members[m]!);
    if (b === undefined || !eligible(b, ctx.avoid)) continue;
    // active < ⌈x⌉ ⇔ active < x for an integer active: compare cross-multiplied, no division
    if (c === null || below(b.active, c, total, b.weight, wSum)) return b;
  }
  return null;
}

export const chbl = defineScheduler<ChblParams, State>({
  name: 'chbl',
  family: 'locality',
  hashing: true,
  ...chblParams,
  create(params) {
    const c = params.balanceFactor > 0 ? fraction(params.balanceFactor) : null;
    return {
      init: (backends) => build(backends, params.minRingSize),
      pick: (ctx, backends, st) => pick(ctx, backends, st, c, params.minRingSize),
      onBackendsChanged(st, backends) {
        if (stale(st, backends)) return build(backends, params.minRingSize);
        st.pos = positionsOf(backends);
        st.listIds = backends.map((b) => b.id);
        return st;
      },
    };
  },
});
