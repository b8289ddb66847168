// mh (alias maglev) — Maglev consistent hashing with IPVS semantics (docs/schedulers.md#mh-maglev-hashing): a prime-size
// lookup table filled round by round from per-backend permutations, `turns` slots per round from
// lastWeight; rebuilt only when the available set or its last weights change (a drain keeps it).
import { murmur3 } from './hash.js';
import { bool, declareParams, int } from './params.js';
import { wlcSelect } from './select.js';
import { available, defineScheduler, eligible, type BackendView } from './types.js';
import { fmix32 } from './hash.js';
import { gcd } from './util.js';
import { prebuilt } from './prebuilt.js';

const mhParams = declareParams({
  tableSize: int(65537, 'lookup table size M, a prime (e.g. 65537, 4093, 251)', { minimum: 2, maximum: 5_000_011 }),
  fallback: bool(false, 'when the hashed backend is not eligible, try the next one of its permutation (IPVS mh-fallback)'),
  port: bool(false, 'hash the client port too (IPVS mh-port)'),
}, (p, at, problems) => {
  if (isPrime(p.tableSize)) return p;
  problems.push({ path: `${at}.tableSize`, message: `must be a prime number (e.g. 65537, 4093, 251), got ${p.tableSize}` });
  return { ...p, tableSize: 65537 };
});
export type MhParams = ReturnType<typeof mhParams.parse>;

/** Seeds of the two independent hashes: h1 (offsets and keys) and h2 (skips). */
const SEED1 = 0x2c1b3c6d;
const SEED2 = 0x297a2d39;
/** IPVS keeps at most 6 bits of weight/gcd per round (IP_VS_MH_TAB_BITS). */
const TURN_BITS = 6;

interface State {
  /** slot → member index (-1 only when there are no members) */
  table: Int32Array;
  /** member ids, in list order, and their positions in the current backend list */
  members: string[];
  pos: Int32Array;
  /** fingerprint of (id, lastWeight) of the available backends the table was built from */
  sig: string;
  /** how many times the table was built (rebuilds are the expensive part) */
  builds: number;
}

export function isPrime(n: number): boolean {
  if (n < 2 || !Number.isInteger(n)) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Maglev population (IPVS ip_vs_mh_permutate + ip_vs_mh_populate). */
export function maglevTable(ids: readonly string[], lastWeights: readonly number[], M: number): Int32Array {
  const table = new Int32Array(M).fill(-1);
  const n = ids.length;
  if (n === 0) return table;
  let g = 0;
  let max = 0;
  for (const lw of lastWeights) {
    if (lw > 0) g = g > 0 ? gcd(lw, g) : lw;
    if (lw > max) max = lw;
  }
  if (g < 1) return table;
  const shift = Math.max(0, 32 - Math.clz32(Math.floor(max / g)) - TURN_BITS);
  const turns = new Int32Array(n);
  const perm = new Int32Array(n);
  const skip = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lw = lastWeights[i]!;
    turns[i] = (Math.floor(lw / g) >> shift) || (lw !== 0 ? 1 : 0);
    perm[i] = murmur3(ids[i]!, SEED1) % M;
    skip[i] = (murmur3(ids[i]!, SEED2) % (M - 1)) + 1;
  }
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      const t = turns[i]!;
      const sk = skip[i]!;
      for (let k = 0; k < t; k++) {
        let c = perm[i]!;
        while (table[c] !== -1) {
          c += sk;
          if (c >= M) c -= M;
        }
        perm[i] = c;
        table[c] = i;
        if (++filled === M) return table;
      }
    }
  }
}

function positions(backends: readonly BackendView[], members: readonly string[]): Int32Array {
  const at = new Map<string, number>();
  backends.forEach((b, i) => at.set(b.id, i));
  return Int32Array.from(members, (id) => at.get(id) ?? -1);
}

function fingerprint(backends: readonly BackendView[]): string {
  let s = '';
  for (const b of backends) if (available(b)) s += `${b.id}=${b.lastWeight},`;
  return s;
}

/** What a table is built from, as a key for src/schedulers/prebuilt.ts. */
export function mhTableKey(M: number, sig: string): string {
  return `mh:${M}:${sig}`;
}

/** The table for these available backends (in list order), keyed as sync() looks it up. */
export function mhPrebuild(M: number, live: readonly { id: string; lastWeight: number }[]): { key: string; table: Int32Array } {
  let sig = '';
  for (const b of live) sig += `${b.id}=${b.lastWeight},`;
  return { key: mhTableKey(M, sig), table: maglevTable(live.map((b) => b.id), live.map((b) => b.lastWeight), M) };
}

/** Rebuild only when the available set or its last weights changed; else just re-find positions. */
function sync(prev: State | undefined, backends: readonly BackendView[], M: number): State {
  const sig = fingerprint(backends);
  if (prev !== undefined && prev.sig === sig) {
    prev.pos = positions(backends, prev.members);
    return prev;
  }
  const live = backends.filter(available);
  const members = live.map((b) => b.id);
  const table = prebuilt<Int32Array>(mhTableKey(M, sig)) ?? maglevTable(members, live.map((b) => b.lastWeight), M);
  return { table, members, pos: positions(backends, members), sig, builds: (prev?.builds ?? 0) + 1 };
}


export const mh = defineScheduler<MhParams, State>({
  name: 'mh',
  aliases: ['maglev'],
  family: 'locality',
  hashing: true,
  ...mhParams,
  create: (p) => {
    const M = p.tableSize;
    const slotOf = (base: number, off: number): number => fmix32((base + off) >>> 0) % M;
    return {
      init: (backends) => sync(undefined, backends, M),
      pick(ctx, backends, st) {
        if (ctx.key === undefined) return wlcSelect(backends, ctx.avoid);
        if (st.members.length === 0) return null;
        const base = murmur3(p.port ? `${ctx.key}:${ctx.clientPort}` : ctx.key, SEED1);
        const ihash = slotOf(base, 0);
        let m = st.table[ihash]!;
        let b = backends[st.pos[m]!];
        if (b === undefined || b.id !== st.members[m]) {
          // the list changed without a notification
          Object.assign(st, sync(st, backends, M));
          if (st.members.length === 0) return null;
          m = st.table[ihash]!;
          b = backends[st.pos[m]!];
        }
        if (b !== undefined && eligible(b, ctx.avoid)) return b;
        if (!p.fallback || !backends.some((x) => eligible(x, ctx.avoid))) return null;
        // IPVS mh-fallback: re-hash the key with offsets ihash, ihash+1, … (mod M)
        for (let off = 0; off < M; off++) {
          const c = backends[st.pos[st.table[slotOf(base, (off + ihash) % M)]!]!];
          if (c !== undefined && eligible(c, ctx.avoid)) return c;
        }
        return null;
      },
      onBackendsChanged: (st, backends) => sync(st, backends, M),
    };
  },
});
