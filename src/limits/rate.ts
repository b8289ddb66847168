// Token buckets per key for a route's `rateLimit` (docs/routing.md "Rate limits"). Pure and
// synchronous: the caller passes the time. The table holds at most `maxKeys` buckets; a key not
// in it has a full bucket, so a full bucket is dropped first, then the least recently used one
// (a dropped key that was not full starts again with a full bucket).

/** A route's rateLimit, normalized (src/config/normalized.ts). */
export interface RateSpec {
  /** Tokens added per `per`. */
  readonly rate: number;
  readonly per: 'second' | 'minute';
  /** Bucket size: requests allowed at once after a quiet spell. */
  readonly burst: number;
  /** 'client' or 'header:<name>' (lower-case name). */
  readonly key: string;
  /** Share the buckets through affinity.store (src/limits/shared.ts). */
  readonly shared: boolean;
}

export const DEFAULT_MAX_KEYS = 100_000;

/** `10/s burst 20 by client (shared)`: the admin API, the dashboard and `check` show this. */
export function describeRate(s: RateSpec): string {
  return `${s.rate}/${s.per === 'second' ? 's' : 'min'} burst ${s.burst} by ${s.key}${s.shared ? ' (shared)' : ''}`;
}

/**
 * Buckets in fixed slots (typed arrays, allocated as the table grows up to maxKeys) on a recency
 * list: the head is the most recently used. A Map finds a key's slot. Using a Map alone as the
 * recency order makes eviction from its front slow under a flood (deleted entries are skipped on
 * every iteration until the table is rehashed).
 */
export class RateTable {
  private readonly slots = new Map<string, number>();
  private keys: string[] = [];
  private tokensOf = new Float64Array(0);
  private atOf = new Float64Array(0);
  /** Tokens granted here since the last sync (shared limits). */
  private spentOf = new Float64Array(0);
  /** Asked for since the last sync (shared limits). */
  private touchedOf = new Uint8Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private head = -1;
  private tail = -1;
  /** Tokens per ms. */
  readonly perMs: number;

  constructor(readonly spec: RateSpec, readonly maxKeys = DEFAULT_MAX_KEYS) {
    this.perMs = spec.rate / (spec.per === 'minute' ? 60_000 : 1000);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Take one token for `key` at `now` (ms): 0 when granted, else the ms until one is there. */
  take(key: string, now: number): number {
    let i = this.slots.get(key);
    if (i === undefined) {
      i = this.slots.size < this.maxKeys ? this.grow() : this.evict(now);
      this.keys[i] = key;
      this.slots.set(key, i);
      this.tokensOf[i] = this.spec.burst;
      this.atOf[i] = now;
      this.spentOf[i] = 0;
      this.push(i);
    } else {
      this.refill(i, now);
      if (i !== this.head) {
        this.unlink(i);
        this.push(i);
      }
    }
    this.touchedOf[i] = 1;
    if (this.tokensOf[i]! >= 1) {
      this.tokensOf[i]! -= 1;
      this.spentOf[i]! += 1;
      return 0;
    }
    return Math.ceil((1 - this.tokensOf[i]!) / this.perMs);
  }

  /** Tokens `key` holds at `now` (a key not in the table has a full bucket). */
  tokens(key: string, now: number): number {
    const i = this.slots.get(key);
    if (i === undefined) return this.spec.burst;
    this.refill(i, now);
    return this.tokensOf[i]!;
  }

  /** Shared limits: the keys asked for since the last call, with the tokens granted here meanwhile. */
  drainSpent(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = this.head; i !== -1; i = this.next[i]!) {
      if (this.touchedOf[i] === 0) continue;
      out.set(this.keys[i]!, this.spentOf[i]!);
      this.spentOf[i] = 0;
      this.touchedOf[i] = 0;
    }
    return out;
  }

  /**
   * Shared limits: the shared bucket holds `tokens` at `now` (after what was drained was taken);
   * what was granted here since the drain still comes off. May go below zero (a debt).
   */
  settle(key: string, tokens: number, now: number): void {
    const i = this.slots.get(key);
    if (i === undefined) return;
    this.tokensOf[i] = Math.min(this.spec.burst, tokens) - this.spentOf[i]!;
    this.atOf[i] = now;
  }

  private refill(i: number, now: number): void {
    const at = this.atOf[i]!;
    if (now > at) {
      this.tokensOf[i] = Math.min(this.spec.burst, this.tokensOf[i]! + (now - at) * this.perMs);
      this.atOf[i] = now;
    }
  }

  /** A free slot while below maxKeys: the arrays double as needed. */
  private grow(): number {
    const i = this.slots.size;
    if (i >= this.tokensOf.length) {
      const n = Math.min(this.maxKeys, Math.max(64, this.tokensOf.length * 2));
      const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
      const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
      this.tokensOf = f64(this.tokensOf);
      this.atOf = f64(this.atOf);
      this.spentOf = f64(this.spentOf);
      this.prev = i32(this.prev);
      this.next = i32(this.next);
      const t = new Uint8Array(n);
      t.set(this.touchedOf);
      this.touchedOf = t;
    }
    return i;
  }

  /** Free a slot for a new key: the least recently used full bucket among the last 8, else the last. */
  private evict(now: number): number {
    let victim = this.tail;
    for (let i = this.tail, n = 0; i !== -1 && n < 8; i = this.prev[i]!, n++) {
      // a key that refilled is the same as an absent one: dropping it loses nothing
      if (this.spentOf[i] === 0 && this.tokensOf[i]! + (now - this.atOf[i]!) * this.perMs >= this.spec.burst) {
        victim = i;
        break;
      }
    }
    this.unlink(victim);
    this.slots.delete(this.keys[victim]!);
    return victim;
  }

  private push(i: number): void {
    this.prev[i] = -1;
    this.next[i] = this.head;
    if (this.head !== -1) this.prev[this.head] = i;
    this.head = i;
    if (this.tail === -1) this.tail = i;
  }

  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p !== -1) this.next[p] = n;
    else this.head = n;
    if (n !== -1) this.prev[n] = p;
    else this.tail = p;
  }
}

/** Seconds for Retry-After: whole seconds until a token, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
