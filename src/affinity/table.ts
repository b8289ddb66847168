// The process-wide affinity table, modelled on the IPVS connection table: connection entries
// ((client connection, pool) → backend) and persistence templates ((pool, masked client address),
// cookie or header value → backend). Bounded by maxEntries with CLOCK eviction (an approximation of
// least-recently-used); expiry is lazy (checked on look-up) plus an incremental sweep — no timer per
// entry.
//
// Eviction is CLOCK with a two-step use count: a new entry gets 1, a hit 2; the hand, walking the
// buckets in order, takes one off each entry it passes and evicts the first at 0. So a new entry
// outlives about one turn of the hand, a used one about two turns after its last use, and an entry
// used since it was pinned nearly always outlives those that never were (a deletion's backward
// shift can move an entry past the hand, or wrap one ahead of it).
//
// Pools share the table fairly: while it is full, an insert into a pool holding at least its share
// (maxEntries / pools that hold entries) evicts one of that pool's own entries, and an insert into a
// pool under its share evicts from the pool holding the most. So a flood of new keys on one pool
// never takes another pool below its share; a quiet pool's unused share is lent, not reserved. Each
// pool has its own clock hand, which passes over other pools' entries without touching them.
//
// Keys longer than MAX_KEY characters (header and cookie values are the client's to choose) are
// stored as a keyed 128-bit SHA-256 digest, so an entry's size is bounded whatever the client sends.
//
// Layout: one open-addressing hash table (linear probing, load ≤ 1/2, backward-shift deletion) whose
// 32-byte buckets hold the whole entry, so a look-up allocates nothing and touches one cache line of
// table memory. IPv4 keys (client templates, bare or masked like "10.0.0.0/24") are stored as their
// 32-bit value and form; other keys as a 32-bit hash plus the string, kept in a side array. The
// clock hand and the sweep walk the buckets in order, so evicting and expiring read memory
// sequentially.

import { createHash, randomBytes } from 'node:crypto';
import { ipv4Key, ipv4KeyString } from './address.js';
import { fmix32 } from '../schedulers/hash.js';

export type PinKind = 'connection' | 'client' | 'cookie' | 'header';

export interface AffinityTableOptions {
  /** Seconds a template lives after its last use. */
  timeout: number;
  /** Entry bound; at the bound an entry unused since the clock hand last passed goes (CLOCK, ≈ least recently used). */
  maxEntries: number;
  /** Seconds a connection entry outlives its connection (IPVS FIN_WAIT; default 10). */
  finTimeout?: number;
  /** Seconds a template outlives the last live connection it controls (IPVS: 60). */
  controlGrace?: number;
  /** Hash seed; random per table by default, so clients cannot aim keys at one bucket (tests fix it). */
  seed?: number;
}

export interface AffinityStats {
  entries: number;
  maxEntries: number;
  connections: number;
  templates: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
}

/** One row of `switchyard adm list --connections` (like `ipvsadm -Lc`). */
export interface AffinityEntry {
  pool: string;
  kind: PinKind;
  /** connection: 'ip:port#id'; client: masked address; header: its value; cookie: session id. */
  client: string;
  backend: string;
  /** Seconds until expiry; null while a live connection holds the entry. */
  expiresIn: number | null;
  /** Live client connections controlled by this entry. */
  live: number;
}

/** An entry a live connection holds: its group and key (d: the key is a long key's digest). */
interface Held {
  g: number;
  c: string;
  d: boolean;
}

const KINDS: readonly PinKind[] = ['connection', 'client', 'cookie', 'header'];
const KIND_CODE: Record<PinKind, number> = { connection: 0, client: 1, cookie: 2, header: 3 };

// Bucket j, 32 bytes (two per cache line): i32[8j] key (IPv4 value, or the string key's hash);
// i32[8j+1] tag (0: empty, else group × 64 + form + 1, where form is 0 for a string key, the
// ipv4Key form, 1–34, for an IPv4 key with or without a prefix, and DIGEST for a long key kept as
// its digest; group = pool index × 4 + kind, so pool = (tag - 1) >> 8);
// i32[8j+2] backend index; i32[8j+3] flags; f64[4j+2] expiry (ms); f64[4j+3] when the entry was
// last written to the shared store (ms).
const KEY = 0;
const TAG = 1;
const BACKEND = 2;
const FLAGS = 3;
// flags: bits 0–1 the use count (NEW on insert, USED on a hit, one off each time the clock hand
// passes), bits 2+ live connections controlled by the entry (capped at MAX_LIVE)
const USE = 3;
const NEW = 1;
const USED = 2;
const LIVE = 4;
const MAX_LIVE = 65535;
const MIN_BUCKETS = 64;
/**
 * Farthest a new entry may sit from its home bucket. At load ≤ 1/2 honest keys essentially never
 * come near it; keys crafted to collide (header values are the client's to choose) would otherwise
 * build one long probe run and make every look-up in it slow. Such a pin is dropped and counted as
 * an eviction.
 */
const MAX_PROBE = 64;
/** Longest key stored as it is; a longer one is stored as its digest (22 characters). */
export const MAX_KEY = 64;
/** The form of a key stored as its digest: never equal to a key stored as it is. */
const DIGEST = 63;

/**
 * A string key's 32-bit hash: murmur3's mixing over UTF-16 code units, two per round, in one pass
 * (half the cost of the byte-exact murmur3 the schedulers share; nothing outside this table sees it).
 */
export function stringHash(s: string, seed: number): number {
  const n = s.length;
  let h = seed ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    const k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    h ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  }
  return fmix32(h) | 0;
}

/** Where a key's probe sequence starts (before masking); exported for the collision test. */
export function home(key: number, tag: number, seed: number): number {
  return fmix32(key ^ Math.imul(tag ^ seed, 0x9e3779b9));
}

export class AffinityTable {
  private timeoutMs: number;
  private finMs: number;
  private graceMs: number;
  private maxEntries: number;

  private i32 = new Int32Array(MIN_BUCKETS * 8);
  private f64 = new Float64Array(this.i32.buffer);
  private mask = MIN_BUCKETS - 1;
  /** String keys by bucket; created with the first string key. */
  private strs: (string | undefined)[] | undefined;
  private readonly seed: number;
  /** Prefixed to long keys before hashing them: clients cannot aim two keys at one digest. */
  private readonly digestKey: Buffer;
  private size_ = 0;
  private cursor = 0; // sweep position
  /**
   * The next, doubled bucket array, allocated once the table is 3/8 full and written one page per
   * insert until it grows: the OS maps a fresh page on its first write (about 3.5 µs here), and
   * 64 MB of them at once would add some 60 ms to the pause of the last doubling.
   */
  private next: Int32Array<ArrayBuffer> | undefined;
  private nextTouched = 0;

  // the key of the latest call, resolved once: lookup-then-pin parses and hashes it once
  private lastClient: string | undefined;
  private keyHash = 0; // IPv4 value, or the string's hash
  private keyForm = 0; // ipv4Key form; 0: a string key
  private keyStr: string | undefined;

  private readonly poolIndex = new Map<string, number>();
  private readonly poolNames: string[] = [];
  /** Per pool: its entries, and its clock hand (the bucket where its next eviction search starts). */
  private readonly poolCounts: number[] = [];
  private readonly hands: number[] = [];
  /** Pools holding at least one entry: they share maxEntries. */
  private activePools = 0;

  // backends: interned per (pool, id, incarnation); forgetBackend voids an incarnation
  /** Per pool: backend id → interned index of its current incarnation. */
  private readonly backendIndex: Map<string, number>[] = [];
  private readonly backendIds: string[] = [];
  private readonly backendValid: boolean[] = [];
  private readonly backendPool: number[] = [];
  private readonly generations = new Map<string, number>();
  private readonly removedAt = new Map<string, number>();

  /** Live connections → the entries (group, client) they hold. */
  private readonly conns = new Map<number, Held[]>();

  private counts = [0, 0, 0, 0];
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private expirations = 0;

  constructor(opts: AffinityTableOptions) {
    this.timeoutMs = opts.timeout * 1000;
    this.finMs = (opts.finTimeout ?? 10) * 1000;
    this.graceMs = (opts.controlGrace ?? 60) * 1000;
    this.maxEntries = opts.maxEntries;
    this.seed = opts.seed ?? randomBytes(4).readInt32LE(0);
    this.digestKey = opts.seed === undefined ? randomBytes(16) : createHash('sha256').update(`seed ${opts.seed}`).digest();
  }

  /** New limits (reload). A lower maxEntries evicts at once. */
  configure(opts: AffinityTableOptions): void {
    this.timeoutMs = opts.timeout * 1000;
    this.finMs = (opts.finTimeout ?? 10) * 1000;
    this.graceMs = (opts.controlGrace ?? 60) * 1000;
    this.maxEntries = opts.maxEntries;
    while (this.size_ > this.maxEntries) this.evict(this.largestPool());
    if (this.mask + 1 >= 2 * this.maxEntries) {
      this.next = undefined; // it will not grow again
      this.nextTouched = 0;
    }
  }

  get size(): number {
    return this.size_;
  }

  // ---- look-up and insert ----

  /** The pinned backend id, or undefined (missing, expired, or its backend was removed). Refreshes the entry. */
  lookup(pool: string, kind: PinKind, client: string, now: number): string | undefined {
    const j = this.find(this.groupOf(pool, kind), client);
    if (j < 0) {
      this.misses++;
      return undefined;
    }
    const { i32, f64 } = this;
    const f = i32[j * 8 + FLAGS]!;
    if (f < LIVE && f64[j * 4 + 2]! <= now) {
      this.expirations++;
      this.deleteAt(j);
      this.misses++;
      return undefined;
    }
    const b = i32[j * 8 + BACKEND]!;
    if (!this.backendValid[b]) {
      this.deleteAt(j);
      this.misses++;
      return undefined;
    }
    this.hits++;
    i32[j * 8 + FLAGS] = (f & ~USE) | USED;
    if (kind !== 'connection') f64[j * 4 + 2] = now + this.timeoutMs;
    return this.backendIds[b];
  }

  /** Like lookup, without counting, refreshing or removing anything (explain). */
  peek(pool: string, kind: PinKind, client: string, now: number): string | undefined {
    const j = this.find(this.groupOf(pool, kind), client);
    if (j < 0) return undefined;
    if (this.i32[j * 8 + FLAGS]! < LIVE && this.f64[j * 4 + 2]! <= now) return undefined;
    const b = this.i32[j * 8 + BACKEND]!;
    return this.backendValid[b] ? this.backendIds[b] : undefined;
  }

  /** Insert or overwrite a pin; with `conn`, the entry lives at least as long as that connection. */
  pin(pool: string, kind: PinKind, client: string, backendId: string, now: number, conn?: number): void {
    const g = this.groupOf(pool, kind);
    let j = this.find(g, client);
    if (j < 0) {
      if (this.size_ >= this.maxEntries) this.evict(this.victim(g >> 2));
      else if ((this.size_ + 1) * 2 > this.mask + 1) this.grow();
      else if (this.size_ * 8 >= (this.mask + 1) * 3 && this.mask + 1 < 2 * this.maxEntries) this.prefault();
      j = this.insert(g);
      if (j < 0) {
        this.evictions++;
        return;
      }
      this.size_++;
      this.counts[g & 3]!++;
      if (this.poolCounts[g >> 2]!++ === 0) this.activePools++;
    } else this.i32[j * 8 + FLAGS] = (this.i32[j * 8 + FLAGS]! & ~USE) | USED;
    this.i32[j * 8 + BACKEND] = this.internBackend(g >> 2, backendId);
    this.f64[j * 4 + 2] = now + (kind === 'connection' ? this.finMs : this.timeoutMs);
    // connection entries and client templates are held by live connections; header and cookie pins
    // live `timeout` after their last use (docs/affinity.md), so a flood on one connection holds none
    if (conn !== undefined && conn > 0 && (g & 3) <= KIND_CODE.client) this.attach(conn, g, j);
  }

  /** The entry is held while connection `conn` is open (templates: "controlled" connections). */
  link(conn: number, pool: string, kind: PinKind, client: string): void {
    const g = this.groupOf(pool, kind);
    const j = this.find(g, client);
    if (j >= 0) this.attach(conn, g, j);
  }

  unpin(pool: string, kind: PinKind, client: string): boolean {
    const j = this.find(this.groupOf(pool, kind), client);
    if (j < 0) return false;
    this.deleteAt(j);
    return true;
  }

  /**
   * True (and the entry stamped) when the entry was last stamped more than `maxAgeMs` ago:
   * the store uses it to refresh a shared copy's TTL without writing on every hit.
   */
  due(pool: string, kind: PinKind, client: string, now: number, maxAgeMs: number): boolean {
    const j = this.find(this.groupOf(pool, kind), client);
    if (j < 0) return false;
    if (now - this.f64[j * 4 + 3]! < maxAgeMs) return false;
    this.f64[j * 4 + 3] = now;
    return true;
  }

  // ---- connections and backends ----

  /** The client connection closed: its entries expire finTimeout later; templates controlGrace later at least. */
  connectionClosed(conn: number, now: number): void {
    const held = this.conns.get(conn);
    if (held === undefined) return;
    this.conns.delete(conn);
    for (const h of held) {
      const j = this.findHeld(h);
      const g = h.g;
      if (j < 0 || this.i32[j * 8 + FLAGS]! < LIVE) continue;
      if ((this.i32[j * 8 + FLAGS]! -= LIVE) < LIVE) {
        this.f64[j * 4 + 2] = (g & 3) === 0 ? now + this.finMs : Math.max(this.f64[j * 4 + 2]!, now + this.graceMs);
      }
    }
  }

  /** Live client connections whose connection entry points at this backend (remove waits for them). */
  liveConnections(pool: string, backendId: string): number {
    const p = this.poolIndex.get(pool);
    if (p === undefined) return 0;
    let n = 0;
    for (const held of this.conns.values()) {
      for (const h of held) {
        if (h.g !== p * 4) continue;
        const j = this.findHeld(h);
        if (j < 0 || this.i32[j * 8 + FLAGS]! < LIVE) continue;
        const b = this.i32[j * 8 + BACKEND]!;
        if (this.backendValid[b] && this.backendIds[b] === backendId) n++;
      }
    }
    return n;
  }

  /** A removed backend: every pin to it is void, also if it is added back (it takes new clients only). */
  forgetBackend(pool: string, backendId: string, now = Date.now()): void {
    const p = this.poolIdx(pool);
    const g = `${p}\0${backendId}`;
    this.removedAt.set(g, now);
    const idx = this.backendIndex[p]!.get(backendId);
    if (idx !== undefined) {
      this.backendValid[idx] = false;
      this.backendIndex[p]!.delete(backendId);
    }
    this.generations.set(g, (this.generations.get(g) ?? 0) + 1);
  }

  /** When the backend was last removed from the pool (ms), if ever: shared pins older than that are void. */
  removed(pool: string, backendId: string): number | undefined {
    return this.removedAt.get(`${this.poolIdx(pool)}\0${backendId}`);
  }

  /** The backend's incarnation (bumped by forgetBackend): cookies sign it so old ones go stale. */
  generation(pool: string, backendId: string): number {
    return this.generations.get(`${this.poolIdx(pool)}\0${backendId}`) ?? 0;
  }

  // ---- expiry, figures, listing ----

  /** Expire the entries in up to `maxBuckets` buckets from where the last sweep stopped. */
  sweep(now: number, maxBuckets = 100_000): number {
    const { i32, f64 } = this;
    let n = 0;
    for (let k = 0; k < maxBuckets && k <= this.mask; ) {
      const j = (this.cursor = this.cursor & this.mask);
      if (i32[j * 8 + TAG] !== 0 && i32[j * 8 + FLAGS]! < LIVE && f64[j * 4 + 2]! <= now) {
        this.deleteAt(j); // a later entry may have moved into j: look at it again
        this.expirations++;
        n++;
      } else {
        this.cursor++;
        k++;
      }
    }
    return n;
  }

  stats(): AffinityStats {
    const c = this.counts;
    return {
      entries: this.size_, maxEntries: this.maxEntries,
      connections: c[0]!, templates: c[1]! + c[2]! + c[3]!,
      hits: this.hits, misses: this.misses, evictions: this.evictions, expirations: this.expirations,
    };
  }

  /** Live entries per pool and backend id, in one pass without sorting (the reload preview, src/runtime/dry-run.ts). */
  countByBackend(now: number): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    const { i32, f64 } = this;
    for (let j = 0; j <= this.mask; j++) {
      const t = i32[j * 8 + TAG]!;
      if (t === 0) continue;
      if (i32[j * 8 + FLAGS]! < LIVE && f64[j * 4 + 2]! <= now) continue;
      const b = i32[j * 8 + BACKEND]!;
      if (!this.backendValid[b]) continue;
      const pool = this.poolNames[(t - 1) >> 8]!;
      let m = out.get(pool);
      if (m === undefined) out.set(pool, (m = new Map()));
      const id = this.backendIds[b]!;
      m.set(id, (m.get(id) ?? 0) + 1);
    }
    return out;
  }

  /**
   * Entries, latest expiry first (for templates: most recently used first); expired ones left out.
   * One pass over the buckets keeping the best `limit` in a heap: about 20 ms at 1M entries.
   */
  list(now: number, opts: { pool?: string; kind?: PinKind; limit?: number } = {}): AffinityEntry[] {
    const limit = opts.limit ?? 1000;
    const want = opts.pool === undefined ? undefined : this.poolIndex.get(opts.pool);
    if ((opts.pool !== undefined && want === undefined) || limit <= 0) return [];
    const { i32, f64 } = this;
    // a worse entry expires sooner (ties: the higher bucket); heap[0] is the worst one kept
    const worse = (a: number, b: number): boolean => f64[a * 4 + 2]! < f64[b * 4 + 2]! || (f64[a * 4 + 2] === f64[b * 4 + 2] && a > b);
    const heap: number[] = [];
    const swap = (x: number, y: number): void => {
      const v = heap[x]!;
      heap[x] = heap[y]!;
      heap[y] = v;
    };
    for (let j = 0; j <= this.mask; j++) {
      const t = i32[j * 8 + TAG]!;
      if (t === 0) continue;
      const g = (t - 1) >> 6;
      if (want !== undefined && g >> 2 !== want) continue;
      if (opts.kind !== undefined && KINDS[g & 3] !== opts.kind) continue;
      if (i32[j * 8 + FLAGS]! < LIVE && f64[j * 4 + 2]! <= now) continue;
      if (!this.backendValid[i32[j * 8 + BACKEND]!]) continue;
      if (heap.length < limit) {
        heap.push(j);
        for (let i = heap.length - 1; i > 0 && worse(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
      } else if (worse(heap[0]!, j)) {
        heap[0] = j;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          let w = i;
          if (l < heap.length && worse(heap[l]!, heap[w]!)) w = l;
          if (l + 1 < heap.length && worse(heap[l + 1]!, heap[w]!)) w = l + 1;
          if (w === i) break;
          swap(i, w);
          i = w;
        }
      }
    }
    heap.sort((a, b) => (worse(b, a) ? -1 : worse(a, b) ? 1 : 0));
    return heap.map((j) => {
      const g = (i32[j * 8 + TAG]! - 1) >> 6;
      const live = i32[j * 8 + FLAGS]! >>> 2;
      return {
        pool: this.poolNames[g >> 2]!, kind: KINDS[g & 3]!, client: this.keyOf(j),
        backend: this.backendIds[i32[j * 8 + BACKEND]!]!,
        expiresIn: live > 0 ? null : Math.round(f64[j * 4 + 2]! - now) / 1000, live,
      };
    });
  }

  // ---- internals ----

  private lastPool = '';
  private lastPoolIdx = -1;

  private poolIdx(pool: string): number {
    if (pool === this.lastPool) return this.lastPoolIdx;
    let p = this.poolIndex.get(pool);
    if (p === undefined) {
      p = this.poolNames.length;
      this.poolIndex.set(pool, p);
      this.poolNames.push(pool);
      this.poolCounts.push(0);
      this.hands.push(0);
      this.backendIndex.push(new Map());
    }
    this.lastPool = pool;
    this.lastPoolIdx = p;
    return p;
  }

  private groupOf(pool: string, kind: PinKind): number {
    return this.poolIdx(pool) * 4 + KIND_CODE[kind];
  }

  private lastBackend = -1; // the latest interned backend: pins come in runs to one backend

  private internBackend(p: number, id: string): number {
    const last = this.lastBackend;
    if (last >= 0 && this.backendIds[last] === id && this.backendPool[last] === p && this.backendValid[last]) return last;
    const m = this.backendIndex[p]!;
    let b = m.get(id);
    if (b === undefined) {
      b = this.backendIds.length;
      this.backendIds.push(id);
      this.backendValid.push(true);
      this.backendPool.push(p);
      m.set(id, b);
    }
    this.lastBackend = b;
    return b;
  }

  /** Connection `conn` holds the entry in bucket j, whose key was resolved last. */
  private attach(conn: number, g: number, j: number): void {
    let held = this.conns.get(conn);
    if (held === undefined) this.conns.set(conn, (held = []));
    const c = this.keyForm === DIGEST ? this.keyStr! : this.lastClient!;
    const d = this.keyForm === DIGEST;
    const known = held.some((h) => h.g === g && h.c === c && h.d === d);
    if (known && this.i32[j * 8 + FLAGS]! >= LIVE) return;
    if (!known) held.push({ g, c, d });
    if (this.i32[j * 8 + FLAGS]! >>> 2 < MAX_LIVE) this.i32[j * 8 + FLAGS] += LIVE;
  }

  /** Resolve the client key (once for consecutive calls with the same string). */
  private resolve(client: string): void {
    if (client === this.lastClient) return;
    const k = ipv4Key(client);
    if (k >= 0) {
      const v = Math.floor(k / 64); // not k % 64: a double modulo is a slow library call
      this.keyHash = v | 0;
      this.keyForm = k - v * 64;
      this.keyStr = undefined;
    } else if (client.length > MAX_KEY) {
      this.resolveDigest(this.digest(client));
    } else {
      this.keyHash = stringHash(client, this.seed);
      this.keyForm = 0;
      this.keyStr = client;
    }
    this.lastClient = client;
  }

  /** A long key's stored form: 128 bits of SHA-256 over the table's secret and the key, base64url. */
  private digest(client: string): string {
    return createHash('sha256').update(this.digestKey).update(client, 'utf16le').digest().toString('base64url', 0, 16);
  }

  private resolveDigest(d: string): void {
    this.keyHash = stringHash(d, this.seed);
    this.keyForm = DIGEST;
    this.keyStr = d;
    this.lastClient = undefined;
  }

  /** The bucket holding (group, client), or -1. */
  private find(g: number, client: string): number {
    this.resolve(client);
    return this.findResolved(g);
  }

  /** The bucket of an entry a connection holds, or -1. */
  private findHeld(h: Held): number {
    if (h.d) this.resolveDigest(h.c);
    else this.resolve(h.c);
    return this.findResolved(h.g);
  }

  /** The bucket holding the key resolved last in group g, or -1. */
  private findResolved(g: number): number {
    const key = this.keyHash;
    const str = this.keyStr;
    const tag = g * 64 + this.keyForm + 1;
    const { i32, mask } = this;
    for (let j = home(key, tag, this.seed) & mask; ; j = (j + 1) & mask) {
      const t = i32[j * 8 + TAG];
      if (t === 0) return -1;
      if (t === tag && i32[j * 8 + KEY] === key && (str === undefined || this.strs![j] === str)) return j;
    }
  }

  /** Claim an empty bucket for the key resolved last (known to be absent) in group g; -1 past MAX_PROBE. */
  private insert(g: number): number {
    const key = this.keyHash;
    const str = this.keyStr;
    const tag = g * 64 + this.keyForm + 1;
    const { i32, f64, mask } = this;
    let j = home(key, tag, this.seed) & mask;
    for (let d = 0; i32[j * 8 + TAG] !== 0; d++) {
      if (d === MAX_PROBE) return -1;
      j = (j + 1) & mask;
    }
    i32[j * 8 + KEY] = key;
    i32[j * 8 + TAG] = tag;
    i32[j * 8 + FLAGS] = NEW;
    f64[j * 4 + 3] = 0;
    if (str !== undefined) (this.strs ??= this.newStrs(mask + 1))[j] = str;
    return j;
  }

  private newStrs(n: number): (string | undefined)[] {
    const a: (string | undefined)[] = [];
    for (let j = 0; j < n; j++) a.push(undefined); // packed, not holey
    return a;
  }

  /** Empty bucket j, pulling later members of its probe run back so every key stays reachable. */
  private deleteAt(j: number): void {
    const { i32, mask } = this;
    const strs = this.strs;
    const t = i32[j * 8 + TAG]!;
    this.size_--;
    this.counts[((t - 1) >> 6) & 3]!--;
    if (--this.poolCounts[(t - 1) >> 8]! === 0) this.activePools--;
    let hole = j;
    for (let k = (j + 1) & mask; i32[k * 8 + TAG] !== 0; k = (k + 1) & mask) {
      const h = home(i32[k * 8 + KEY]!, i32[k * 8 + TAG]!, this.seed) & mask;
      // k stays when its home lies cyclically in (hole, k]
      if (hole <= k ? h > hole && h <= k : h > hole || h <= k) continue;
      for (let w = 0; w < 8; w++) i32[hole * 8 + w] = i32[k * 8 + w]!; // the whole bucket, f64 fields included
      if (strs !== undefined) strs[hole] = strs[k];
      hole = k;
    }
    i32[hole * 8 + TAG] = 0;
    if (strs !== undefined) strs[hole] = undefined;
  }

  /**
   * The pool that gives up an entry when pool p inserts into a full table: p itself once it holds
   * its share (maxEntries / pools holding entries, p included), else the pool holding the most.
   */
  private victim(p: number): number {
    const c = this.poolCounts;
    const pools = this.activePools + (c[p] === 0 ? 1 : 0);
    return c[p]! * pools >= this.maxEntries ? p : this.largestPool();
  }

  private largestPool(): number {
    const c = this.poolCounts;
    let v = 0;
    for (let q = 1; q < c.length; q++) if (c[q]! > c[v]!) v = q;
    return v;
  }

  /**
   * Evict one of pool q's entries (q holds at least one): q's clock hand walks the buckets in order,
   * takes one off the use count of each of q's entries it passes and evicts the first whose count
   * is already 0. At most three turns.
   */
  private evict(q: number): void {
    const { i32, mask } = this;
    let j = this.hands[q]! & mask;
    for (;; j = (j + 1) & mask) {
      const t = i32[j * 8 + TAG]!;
      if (t === 0 || (t - 1) >> 8 !== q) continue;
      const f = i32[j * 8 + FLAGS]!;
      if ((f & USE) === 0) break;
      i32[j * 8 + FLAGS] = f - 1;
    }
    this.hands[q] = j; // the hand stays: a later entry may move into j
    this.deleteAt(j);
    this.evictions++;
  }

  /** Double the buckets (the table holds at most half as many entries) and re-insert every entry. */
  private grow(): void {
    const n = (this.mask + 1) * 2;
    const old = this.i32;
    const oldStrs = this.strs;
    this.i32 = this.next ?? new Int32Array(n * 8); // only zeros were written to `next`
    this.next = undefined;
    this.nextTouched = 0;
    this.f64 = new Float64Array(this.i32.buffer);
    this.mask = n - 1;
    this.strs = oldStrs === undefined ? undefined : this.newStrs(n);
    this.hands.fill(0);
    this.cursor = 0;
    const i32 = this.i32;
    for (let k = 0; k < old.length; k += 8) {
      const t = old[k + TAG]!;
      if (t === 0) continue;
      let j = home(old[k + KEY]!, t, this.seed) & this.mask;
      while (i32[j * 8 + TAG] !== 0) j = (j + 1) & this.mask;
      for (let w = 0; w < 8; w++) i32[j * 8 + w] = old[k + w]!;
      if (oldStrs !== undefined) this.strs![j] = oldStrs[k / 8];
    }
  }

  /** Write one more page (4 KiB) of the next bucket array, allocating it first. */
  private prefault(): void {
    const next = (this.next ??= new Int32Array((this.mask + 1) * 16));
    if (this.nextTouched < next.length) {
      next[this.nextTouched] = 0;
      this.nextTouched += 1024;
    }
  }

  private keyOf(j: number): string {
    const form = (this.i32[j * 8 + TAG]! - 1) & 63;
    if (form === DIGEST) return `hashed:${this.strs![j]!}`;
    return form === 0 ? this.strs![j]! : ipv4KeyString(this.i32[j * 8 + KEY]!, form);
  }
}
