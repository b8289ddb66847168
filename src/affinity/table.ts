// The process-wide affinity table, modelled on the IPVS connection table: connection entries
// ((client connection, pool) → backend) and persistence templates ((pool, masked client address),
// cookie or header value → backend). Bounded by maxEntries with CLOCK eviction (the second-chance
// approximation of least-recently-used); expiry is lazy (checked on look-up) plus an incremental
// sweep — no timer per entry.
//
// Layout: one index per (pool, kind) from the client string to a slot (slot-index.ts: IPv4 keys in a
// typed open-addressing table, others in a Map) — a look-up allocates nothing — and the per-slot
// fields interleaved in one typed buffer, so 1M entries stay small, GC-light and cache-friendly.
// IPv4 keys are kept as their 32-bit value only (no string per entry). Eviction walks the slots in
// order (the clock hand) rather than a linked list, so it reads memory sequentially: a look-up hit
// costs two cache misses (index, slot) and an insert that evicts costs two more (index, the evicted
// key's index bucket).

import { SlotIndex, ipv4String, ipv4Value } from './slot-index.js';

export type PinKind = 'connection' | 'client' | 'cookie' | 'header';

export interface AffinityTableOptions {
  /** Seconds a template lives after its last use. */
  timeout: number;
  /** Entry bound; at the bound an entry not used since the clock hand last passed goes (≈ least recently used). */
  maxEntries: number;
  /** Seconds a connection entry outlives its connection (IPVS FIN_WAIT; default 10). */
  finTimeout?: number;
  /** Seconds a template outlives the last live connection it controls (IPVS: 60). */
  controlGrace?: number;
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

const KINDS: readonly PinKind[] = ['connection', 'client', 'cookie', 'header'];
const KIND_CODE: Record<PinKind, number> = { connection: 0, client: 1, cookie: 2, header: 3 };
const NONE = -1;
// Per slot, 32 bytes in one buffer (a cache line holds two slots): f64[4s] expiry (ms);
// i32[8s+2] backend index, [8s+3] IPv4 key value, [8s+4] group (pool index × 4 + kind; -1: free slot),
// [8s+5] flags; f64[4s+3] when the entry was last written to the shared store (ms).
const BACKEND = 2;
const KEY = 3;
const GROUP = 4;
const FLAGS = 5;
// flags: bit 0 referenced since the clock hand last passed, bit 1 key kept as an IPv4 value,
// bits 2+ live connections controlled by the entry (capped at MAX_LIVE)
const REF = 1;
const V4 = 2;
const LIVE = 4;
const MAX_LIVE = 65535;

export class AffinityTable {
  private timeoutMs: number;
  private finMs: number;
  private graceMs: number;
  private maxEntries: number;

  /** One index per group (pool index × 4 + kind): client → slot. */
  private readonly maps: SlotIndex[] = [];
  private size_ = 0;
  /** Per slot: the client key, unless it is kept as an IPv4 value. */
  private keys: (string | undefined)[] = [];
  private buf: ArrayBuffer;
  private f64: Float64Array;
  private i32: Int32Array;
  private cap: number;
  private used = 0; // slots ever handed out (high-water mark)
  private readonly free: number[] = [];
  private hand = 0; // clock hand: the next eviction candidate
  private cursor = 0; // sweep position

  private readonly poolIndex = new Map<string, number>();
  private readonly poolNames: string[] = [];

  // backends: interned per (pool, id, incarnation); forgetBackend voids an incarnation
  /** Per pool: backend id → interned index of its current incarnation. */
  private readonly backendIndex: Map<string, number>[] = [];
  private readonly backendIds: string[] = [];
  private readonly backendValid: boolean[] = [];
  private readonly generations = new Map<string, number>();
  private readonly removedAt = new Map<string, number>();

  /** Live connections → the entries (group, client) they hold. */
  private readonly conns = new Map<number, { g: number; c: string }[]>();

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
    this.cap = Math.min(1024, this.maxEntries);
    this.buf = new ArrayBuffer(this.cap * 32);
    this.f64 = new Float64Array(this.buf);
    this.i32 = new Int32Array(this.buf);
  }

  /** New limits (reload). A lower maxEntries evicts at once. */
  configure(opts: AffinityTableOptions): void {
    this.timeoutMs = opts.timeout * 1000;
    this.finMs = (opts.finTimeout ?? 10) * 1000;
    this.graceMs = (opts.controlGrace ?? 60) * 1000;
    this.maxEntries = opts.maxEntries;
    while (this.size_ > this.maxEntries) this.free.push(this.evict());
  }

  get size(): number {
    return this.size_;
  }

  // ---- look-up and insert ----

  /** The pinned backend id, or undefined (missing, expired, or its backend was removed). Refreshes the entry. */
  lookup(pool: string, kind: PinKind, client: string, now: number): string | undefined {
    const s = this.group(pool, kind).get(client);
    if (s === undefined) {
      this.misses++;
      return undefined;
    }
    const i = s * 8;
    if (this.i32[i + FLAGS]! < LIVE && this.f64[s * 4]! <= now) {
      this.expirations++;
      this.remove(s);
      this.misses++;
      return undefined;
    }
    const b = this.i32[i + BACKEND]!;
    if (!this.backendValid[b]) {
      this.remove(s);
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.i32[i + FLAGS] |= REF; // spares it the next time the clock hand passes
    if (kind !== 'connection') this.f64[s * 4] = now + this.timeoutMs;
    return this.backendIds[b];
  }

  /** Like lookup, without counting, refreshing or removing anything (explain). */
  peek(pool: string, kind: PinKind, client: string, now: number): string | undefined {
    const s = this.group(pool, kind).get(client);
    if (s === undefined) return undefined;
    if (this.i32[s * 8 + FLAGS]! < LIVE && this.f64[s * 4]! <= now) return undefined;
    const b = this.i32[s * 8 + BACKEND]!;
    return this.backendValid[b] ? this.backendIds[b] : undefined;
  }

  /** Insert or overwrite a pin; with `conn`, the entry lives at least as long as that connection. */
  pin(pool: string, kind: PinKind, client: string, backendId: string, now: number, conn?: number): void {
    const g = this.poolIdx(pool) * 4 + KIND_CODE[kind];
    const m = this.maps[g]!;
    const v = ipv4Value(client);
    let s = v < 0 ? m.get(client) : m.getV(v);
    let i32 = this.i32;
    if (s === undefined) {
      s = this.size_ >= this.maxEntries ? this.evict() : this.alloc();
      i32 = this.i32; // alloc may have grown the buffer
      if (v < 0) {
        this.keys[s] = client;
        m.set(client, s);
        i32[s * 8 + FLAGS] = 0;
      } else {
        m.setV(v, s);
        i32[s * 8 + KEY] = v | 0;
        i32[s * 8 + FLAGS] = V4;
      }
      i32[s * 8 + GROUP] = g;
      this.f64[s * 4 + 3] = 0;
      this.size_++;
      this.counts[g & 3]!++;
    } else i32[s * 8 + FLAGS] |= REF;
    i32[s * 8 + BACKEND] = this.internBackend(pool, backendId);
    this.f64[s * 4] = now + (kind === 'connection' ? this.finMs : this.timeoutMs);
    if (conn !== undefined && conn > 0) this.attach(conn, g, client, s);
  }

  /** The entry is held while connection `conn` is open (templates: "controlled" connections). */
  link(conn: number, pool: string, kind: PinKind, client: string): void {
    const g = this.poolIdx(pool) * 4 + KIND_CODE[kind];
    const s = this.maps[g]!.get(client);
    if (s !== undefined) this.attach(conn, g, client, s);
  }

  unpin(pool: string, kind: PinKind, client: string): boolean {
    const s = this.group(pool, kind).get(client);
    if (s === undefined) return false;
    this.remove(s);
    return true;
  }

  /**
   * True (and the entry stamped) when the entry was last stamped more than `maxAgeMs` ago:
   * the store uses it to refresh a shared copy's TTL without writing on every hit.
   */
  due(pool: string, kind: PinKind, client: string, now: number, maxAgeMs: number): boolean {
    const s = this.group(pool, kind).get(client);
    if (s === undefined) return false;
    if (now - this.f64[s * 4 + 3]! < maxAgeMs) return false;
    this.f64[s * 4 + 3] = now;
    return true;
  }

  // ---- connections and backends ----

  /** The client connection closed: its entries expire finTimeout later; templates controlGrace later at least. */
  connectionClosed(conn: number, now: number): void {
    const held = this.conns.get(conn);
    if (held === undefined) return;
    this.conns.delete(conn);
    for (const { g, c } of held) {
      const s = this.maps[g]!.get(c);
      if (s === undefined || this.i32[s * 8 + FLAGS]! < LIVE) continue;
      if ((this.i32[s * 8 + FLAGS]! -= LIVE) < LIVE) {
        this.f64[s * 4] = (g & 3) === 0 ? now + this.finMs : Math.max(this.f64[s * 4]!, now + this.graceMs);
      }
    }
  }

  /** Live client connections whose connection entry points at this backend (remove waits for them). */
  liveConnections(pool: string, backendId: string): number {
    const p = this.poolIndex.get(pool);
    if (p === undefined) return 0;
    const m = this.maps[p * 4]!;
    let n = 0;
    for (const held of this.conns.values()) {
      for (const { g, c } of held) {
        if (g !== p * 4) continue;
        const s = m.get(c);
        if (s === undefined || this.i32[s * 8 + FLAGS]! < LIVE) continue;
        const b = this.i32[s * 8 + BACKEND]!;
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

  /** Expire up to `maxSlots` slots' worth of entries from where the last sweep stopped. */
  sweep(now: number, maxSlots = 50_000): number {
    let n = 0;
    const end = this.used;
    if (end === 0) return 0;
    for (let i = 0; i < maxSlots && i < end; i++) {
      if (this.cursor >= end) this.cursor = 0;
      const s = this.cursor++;
      if (this.i32[s * 8 + GROUP]! >= 0 && this.i32[s * 8 + FLAGS]! < LIVE && this.f64[s * 4]! <= now) {
        this.remove(s);
        this.expirations++;
        n++;
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

  /**
   * Entries, latest expiry first (for templates: most recently used first); expired ones left out.
   * A scan of every slot: for the admin API, not the request path.
   */
  list(now: number, opts: { pool?: string; kind?: PinKind; limit?: number } = {}): AffinityEntry[] {
    const limit = opts.limit ?? 1000;
    const want = opts.pool === undefined ? undefined : this.poolIndex.get(opts.pool);
    if (opts.pool !== undefined && want === undefined) return [];
    const { i32, f64 } = this;
    const picked: number[] = [];
    for (let s = 0; s < this.used; s++) {
      const g = i32[s * 8 + GROUP]!;
      if (g < 0 || (want !== undefined && g >> 2 !== want)) continue;
      if (opts.kind !== undefined && KINDS[g & 3] !== opts.kind) continue;
      if (i32[s * 8 + FLAGS]! < LIVE && f64[s * 4]! <= now) continue;
      if (!this.backendValid[i32[s * 8 + BACKEND]!]) continue;
      picked.push(s);
    }
    if (picked.length > limit) {
      // keep the `limit` latest expiries without sorting every entry: the cut-off from a typed sort
      const at = Float64Array.from(picked, (s) => f64[s * 4]!).sort()[picked.length - limit]!;
      const kept = picked.filter((s) => f64[s * 4]! > at);
      for (const s of picked) if (kept.length < limit && f64[s * 4] === at) kept.push(s);
      picked.length = 0;
      picked.push(...kept);
    }
    picked.sort((a, b) => f64[b * 4]! - f64[a * 4]! || b - a);
    return picked.map((s) => {
      const g = i32[s * 8 + GROUP]!;
      const live = i32[s * 8 + FLAGS]! >>> 2;
      return {
        pool: this.poolNames[g >> 2]!, kind: KINDS[g & 3]!, client: this.keyOf(s),
        backend: this.backendIds[i32[s * 8 + BACKEND]!]!,
        expiresIn: live > 0 ? null : Math.round(f64[s * 4]! - now) / 1000, live,
      };
    });
  }

  clear(): void {
    for (const m of this.maps) m.clear();
    this.size_ = 0;
    this.keys = [];
    this.free.length = 0;
    this.used = 0;
    this.hand = 0;
    this.cursor = 0;
    this.conns.clear();
    this.counts = [0, 0, 0, 0];
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
      for (let k = 0; k < 4; k++) this.maps.push(new SlotIndex());
      this.backendIndex.push(new Map());
    }
    this.lastPool = pool;
    this.lastPoolIdx = p;
    return p;
  }

  private group(pool: string, kind: PinKind): SlotIndex {
    return this.maps[this.poolIdx(pool) * 4 + KIND_CODE[kind]]!;
  }

  private internBackend(pool: string, id: string): number {
    const m = this.backendIndex[this.poolIdx(pool)]!;
    let b = m.get(id);
    if (b === undefined) {
      b = this.backendIds.length;
      this.backendIds.push(id);
      this.backendValid.push(true);
      m.set(id, b);
    }
    return b;
  }

  private attach(conn: number, g: number, c: string, s: number): void {
    let held = this.conns.get(conn);
    if (held === undefined) this.conns.set(conn, (held = []));
    const known = held.some((h) => h.g === g && h.c === c);
    if (known && this.i32[s * 8 + FLAGS]! >= LIVE) return;
    if (!known) held.push({ g, c });
    if (this.i32[s * 8 + FLAGS]! >>> 2 < MAX_LIVE) this.i32[s * 8 + FLAGS] += LIVE;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.used === this.cap) this.grow();
    this.keys.push(undefined); // keeps the array packed: keys[s] exists for every slot handed out
    return this.used++;
  }

  private grow(): void {
    const cap = Math.min(this.maxEntries, this.cap * 2);
    const buf = new ArrayBuffer(cap * 32);
    new Uint8Array(buf).set(new Uint8Array(this.buf));
    this.buf = buf;
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    this.cap = cap;
  }

  /**
   * Evict one entry and return its (now unoccupied) slot: the clock hand walks the slots in order,
   * clearing the referenced bit of entries used since it last passed and taking the first entry
   * that was not — the CLOCK approximation of least-recently-used. At most two turns.
   */
  private evict(): number {
    const i32 = this.i32;
    for (;;) {
      if (this.hand >= this.used) this.hand = 0;
      const s = this.hand++;
      const f = i32[s * 8 + FLAGS]!;
      if (i32[s * 8 + GROUP]! < 0) continue;
      if ((f & REF) !== 0) {
        i32[s * 8 + FLAGS] = f & ~REF;
        continue;
      }
      this.drop(s);
      this.evictions++;
      return s;
    }
  }

  private remove(s: number): void {
    this.drop(s);
    this.free.push(s);
  }

  /** Take the entry out of its index and the counts; the slot is the caller's to reuse or free. */
  private drop(s: number): void {
    const g = this.i32[s * 8 + GROUP]!;
    if ((this.i32[s * 8 + FLAGS]! & V4) !== 0) this.maps[g]!.deleteV(this.i32[s * 8 + KEY]!);
    else {
      this.maps[g]!.delete(this.keys[s]!);
      this.keys[s] = undefined;
    }
    this.i32[s * 8 + GROUP] = NONE;
    this.size_--;
    this.counts[g & 3]!--;
  }

  private keyOf(s: number): string {
    return (this.i32[s * 8 + FLAGS]! & V4) !== 0 ? ipv4String(this.i32[s * 8 + KEY]!) : this.keys[s]!;
  }
}
