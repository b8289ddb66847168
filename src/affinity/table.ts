// The process-wide affinity table, modelled on the IPVS connection table: connection entries
// ((client connection, pool) → backend) and persistence templates ((pool, masked client address),
// cookie or header value → backend). Bounded by maxEntries with least-recently-used (second-chance) eviction;
// expiry is lazy (checked on look-up) plus an incremental sweep — no timer per entry.
//
// Layout: one index per (pool, kind) from the client string to a slot (slot-index.ts: IPv4 keys in a
// typed open-addressing table, others in a Map) — a look-up allocates nothing —
// and the per-slot fields interleaved in one typed buffer (expiry, doubly linked LRU list, backend,
// live-connection count, group), so 1M entries stay small, GC-light and cache-friendly.

import { SlotIndex } from './slot-index.js';

export type PinKind = 'connection' | 'client' | 'cookie' | 'header';

export interface AffinityTableOptions {
  /** Seconds a template lives after its last use. */
  timeout: number;
  /** Entry bound; the least recently used entry goes first. */
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

export class AffinityTable {
  private timeoutMs: number;
  private finMs: number;
  private graceMs: number;
  private maxEntries: number;

  /** One index per group (pool index × 4 + kind): client → slot. */
  private readonly maps: SlotIndex[] = [];
  private size_ = 0;
  private keys: (string | undefined)[] = [];
  // Per slot, 32 bytes in one buffer (a cache line holds two slots): f64[4s] expiry (ms);
  // i32[8s+2] LRU prev, [8s+3] LRU next, [8s+4] backend index, [8s+5] live connections, [8s+6] group,
  // [8s+7] referenced since it was last moved to the front of the LRU list.
  private buf: ArrayBuffer;
  private f64: Float64Array;
  private i32: Int32Array;
  /** When the entry was last written to the shared store (ms); allocated on first use (stores only). */
  private stamp: Float64Array | undefined;
  private cap: number;
  private used = 0; // slots ever handed out (high-water mark)
  private readonly free: number[] = [];
  private head = NONE; // most recently used
  private tail = NONE; // least recently used
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
    while (this.size_ > this.maxEntries) this.evictTail();
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
    if (this.i32[i + 5] === 0 && this.f64[s * 4]! <= now) {
      this.expirations++;
      this.remove(s);
      this.misses++;
      return undefined;
    }
    const b = this.i32[i + 4]!;
    if (!this.backendValid[b]) {
      this.remove(s);
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.i32[i + 7] = 1; // referenced: the LRU list is reordered lazily, at eviction (second chance)
    if (kind !== 'connection') this.f64[s * 4] = now + this.timeoutMs;
    return this.backendIds[b];
  }

  /** Like lookup, without counting, refreshing or removing anything (explain). */
  peek(pool: string, kind: PinKind, client: string, now: number): string | undefined {
    const s = this.group(pool, kind).get(client);
    if (s === undefined) return undefined;
    if (this.i32[s * 8 + 5] === 0 && this.f64[s * 4]! <= now) return undefined;
    const b = this.i32[s * 8 + 4]!;
    return this.backendValid[b] ? this.backendIds[b] : undefined;
  }

  /** Insert or overwrite a pin; with `conn`, the entry lives at least as long as that connection. */
  pin(pool: string, kind: PinKind, client: string, backendId: string, now: number, conn?: number): void {
    const g = this.poolIdx(pool) * 4 + KIND_CODE[kind];
    const m = this.maps[g]!;
    let s = m.get(client);
    if (s === undefined) {
      if (this.size_ >= this.maxEntries) this.evictTail();
      s = this.alloc();
      this.keys[s] = client;
      m.set(client, s);
      this.size_++;
      this.i32[s * 8 + 5] = 0;
      this.i32[s * 8 + 6] = g;
      this.i32[s * 8 + 7] = 0;
      if (this.stamp !== undefined) this.stamp[s] = 0;
      this.counts[g & 3]!++;
      this.linkFront(s);
    } else this.toFront(s);
    this.i32[s * 8 + 4] = this.internBackend(pool, backendId);
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
    const st = (this.stamp ??= new Float64Array(this.cap));
    if (now - st[s]! < maxAgeMs) return false;
    st[s] = now;
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
      if (s === undefined || this.i32[s * 8 + 5] === 0) continue;
      if (--this.i32[s * 8 + 5]! === 0) {
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
        if (s === undefined || this.i32[s * 8 + 5]! === 0) continue;
        const b = this.i32[s * 8 + 4]!;
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
      if (this.keys[s] !== undefined && this.i32[s * 8 + 5] === 0 && this.f64[s * 4]! <= now) {
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

  /** Entries, most recently used first (to second-chance precision; expired ones left out). */
  list(now: number, opts: { pool?: string; kind?: PinKind; limit?: number } = {}): AffinityEntry[] {
    const limit = opts.limit ?? 1000;
    const out: AffinityEntry[] = [];
    const want = opts.pool === undefined ? undefined : this.poolIndex.get(opts.pool);
    if (opts.pool !== undefined && want === undefined) return out;
    for (let s = this.head; s !== NONE && out.length < limit; s = this.i32[s * 8 + 3]!) {
      const live = this.i32[s * 8 + 5]!;
      if (live === 0 && this.f64[s * 4]! <= now) continue;
      const b = this.i32[s * 8 + 4]!;
      if (!this.backendValid[b]) continue;
      const g = this.i32[s * 8 + 6]!;
      const kind = KINDS[g & 3]!;
      if (opts.kind !== undefined && kind !== opts.kind) continue;
      if (want !== undefined && g >> 2 !== want) continue;
      out.push({
        pool: this.poolNames[g >> 2]!, kind, client: this.keys[s]!, backend: this.backendIds[b]!,
        expiresIn: live > 0 ? null : Math.round(this.f64[s * 4]! - now) / 1000, live,
      });
    }
    return out;
  }

  clear(): void {
    for (const m of this.maps) m.clear();
    this.size_ = 0;
    this.keys = [];
    this.free.length = 0;
    this.used = 0;
    this.head = this.tail = NONE;
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
    if (known && this.i32[s * 8 + 5]! > 0) return;
    if (!known) held.push({ g, c });
    if (this.i32[s * 8 + 5]! < 65535) this.i32[s * 8 + 5]!++;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  private grow(): void {
    const cap = Math.min(this.maxEntries, this.cap * 2);
    const buf = new ArrayBuffer(cap * 32);
    new Uint8Array(buf).set(new Uint8Array(this.buf));
    this.buf = buf;
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    if (this.stamp !== undefined) {
      const stamp = new Float64Array(cap);
      stamp.set(this.stamp);
      this.stamp = stamp;
    }
    this.cap = cap;
  }

  /**
   * Evict the least recently used entry. Hits only mark an entry referenced (no list surgery on
   * the hot path); a referenced entry reaching the tail is moved to the front with its mark cleared
   * — the second-chance (CLOCK) form of LRU. At most one pass over the list.
   */
  private evictTail(): void {
    for (;;) {
      const s = this.tail;
      if (s === NONE) return;
      if (this.i32[s * 8 + 7] === 1 && this.head !== s) {
        this.i32[s * 8 + 7] = 0;
        this.toFront(s);
        continue;
      }
      this.remove(s);
      this.evictions++;
      return;
    }
  }

  private remove(s: number): void {
    const g = this.i32[s * 8 + 6]!;
    this.maps[g]!.delete(this.keys[s]!);
    this.keys[s] = undefined;
    this.size_--;
    this.counts[g & 3]!--;
    this.unlink(s);
    this.free.push(s);
  }

  private linkFront(s: number): void {
    this.i32[s * 8 + 2] = NONE;
    this.i32[s * 8 + 3] = this.head;
    if (this.head !== NONE) this.i32[this.head * 8 + 2] = s;
    this.head = s;
    if (this.tail === NONE) this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.i32[s * 8 + 2]!;
    const n = this.i32[s * 8 + 3]!;
    if (p !== NONE) this.i32[p * 8 + 3] = n;
    else this.head = n;
    if (n !== NONE) this.i32[n * 8 + 2] = p;
    else this.tail = p;
  }

  private toFront(s: number): void {
    if (this.head === s) return;
    this.unlink(s);
    this.linkFront(s);
  }
}
