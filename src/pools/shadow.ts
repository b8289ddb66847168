// `pools.<name>.shadow`: a second scheduler instance that decides beside the live one on every
// request of the pool, with the same request key and the same backend objects, and only records
// (docs/schedulers.md "Shadow schedulers"). It never touches the live scheduler's state, the
// backends or the request: its own state is private and its answer is only counted.
import type { HashKeySpec, ShadowSpec } from '../config/normalized.js';
import type { RequestFacts } from '../match/facts.js';
import { getScheduler } from '../schedulers/registry.js';
import { seededRng } from '../schedulers/rng.js';
import type { BackendView, PickContext, Scheduler, SchedulerState } from '../schedulers/types.js';
import { hashKeyOf } from './hash-key.js';
import { KeyLru } from './key-lru.js';

/** One attempt's two decisions, kept by the exchange until the answer's size is known. */
export interface Shadowed {
  /** The cache key: the pool's hash key of the request, else its path. */
  readonly key: string;
  /** The shadow's backend id; undefined when it found none. */
  readonly shadow: string | undefined;
}

/** An LRU of `bytes` per backend, fed by one side's decisions. */
class CacheModel {
  hits = 0;
  lookups = 0;
  private readonly caches = new Map<string, KeyLru>();
  constructor(private readonly bytes: number) {}

  access(backend: string, key: string, size: number): void {
    let c = this.caches.get(backend);
    if (c === undefined) this.caches.set(backend, (c = new KeyLru(this.bytes)));
    this.lookups++;
    if (c.access(key, size)) this.hits++;
  }

  ratio(): number | null {
    return this.lookups === 0 ? null : round(this.hits / this.lookups);
  }
}

export interface ShadowView {
  scheduler: string;
  params: Record<string, unknown>;
  cacheBytes: number;
  /** ms since epoch: counting started (start, or a reload that changed the shadow). */
  since: number;
  decisions: number;
  /** Share of decisions where both chose the same backend; null before the first. */
  agreement: number | null;
  /** Modelled LRU hit ratio under the live and under the shadow decisions (sized answers only). */
  hitRatio: { live: number | null; shadow: number | null };
  /** Answers modelled (with Content-Length) and left out (without). */
  sized: number;
  unsized: number;
  /** Each backend's share of decisions, live and shadow. */
  backends: { id: string; live: number; shadow: number }[];
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

export class Shadow {
  /** Scheduler and parameters as configured: a reload that keeps them keeps the counters. */
  readonly signature: string;
  readonly since = Date.now();
  private readonly impl: Scheduler<SchedulerState>;
  private state: SchedulerState;
  private readonly hashing: boolean;
  decisions = 0;
  agreements = 0;
  unsized = 0;
  private readonly liveShare = new Map<string, number>();
  private readonly shadowShare = new Map<string, number>();
  private readonly liveCache: CacheModel;
  private readonly shadowCache: CacheModel;
  /** The backends the live scheduler decides over: the serving tier (src/pools/pool.ts shadowMembers). */
  private members: readonly BackendView[];

  constructor(readonly spec: ShadowSpec, backends: readonly BackendView[], now: number, seed: number) {
    this.signature = signature(spec);
    const def = getScheduler(spec.scheduler)!;
    this.hashing = def.hashing;
    this.impl = def.create(spec.params, seededRng(seed + 1));
    this.members = backends;
    this.state = this.impl.init(backends, now);
    this.liveCache = new CacheModel(spec.cacheBytes);
    this.shadowCache = new CacheModel(spec.cacheBytes);
  }

  /**
   * Decide beside the live decision `live` (already made, nothing started yet) and count. The
   * shadow decides over the members it was last told (`changed`), not the pool's whole list
   * `_all`, which holds backups too.
   */
  decide(ctx: PickContext, facts: RequestFacts, clientIp: string, hashKey: HashKeySpec, _all: readonly BackendView[], live: BackendView): Shadowed {
    const backends = this.members;
    const liveKey = ctx.key;
    const key = liveKey ?? hashKeyOf(hashKey, facts, clientIp);
    let b: BackendView | null;
    // a hashing shadow gets the key it would hash as the pool's scheduler: its own default when the
    // pool sets no hashKey (src/config/pool-watch.ts), else the pool's, even when the live one does not hash
    const own = this.spec.hashKey;
    if (this.hashing && (own !== undefined || liveKey === undefined)) {
      ctx.key = own === undefined ? key : hashKeyOf(own, facts, clientIp);
      b = this.impl.pick(ctx, backends, this.state);
      ctx.key = liveKey;
    } else b = this.impl.pick(ctx, backends, this.state);
    this.decisions++;
    if (b === live) this.agreements++;
    bump(this.liveShare, live.id);
    if (b !== null) bump(this.shadowShare, b.id);
    return { key: key ?? facts.path, shadow: b?.id };
  }

  /** The live backend answered: both cache models reference the object (size from Content-Length). */
  answered(s: Shadowed, live: string, contentLength: string | undefined): void {
    const size = contentLength === undefined ? NaN : Number(contentLength);
    if (!(size >= 0)) {
      this.unsized++;
      return;
    }
    this.liveCache.access(live, s.key, size);
    if (s.shadow !== undefined) this.shadowCache.access(s.shadow, s.key, size);
    else this.shadowCache.lookups++;
  }

  /** A live request ended: load-aware shadows (ewma) learn the same response times. */
  ended(b: BackendView, rttMs: number, ok: boolean, now: number): void {
    this.impl.onEnd?.(this.state, b, rttMs, ok, now);
  }

  /** The pool's membership, weights or states changed. */
  changed(backends: readonly BackendView[], now: number): void {
    this.members = backends;
    this.state = this.impl.onBackendsChanged ? this.impl.onBackendsChanged(this.state, backends, now) : this.impl.init(backends, now);
  }

  view(backends: readonly BackendView[]): ShadowView {
    const n = this.decisions;
    const share = (m: Map<string, number>, id: string) => (n === 0 ? 0 : round((m.get(id) ?? 0) / n));
    return {
      scheduler: this.spec.scheduler,
      params: this.spec.rawParams,
      cacheBytes: this.spec.cacheBytes,
      since: this.since,
      decisions: n,
      agreement: n === 0 ? null : round(this.agreements / n),
      hitRatio: { live: this.liveCache.ratio(), shadow: this.shadowCache.ratio() },
      sized: this.liveCache.lookups,
      unsized: this.unsized,
      backends: backends.map((b) => ({ id: b.id, live: share(this.liveShare, b.id), shadow: share(this.shadowShare, b.id) })),
    };
  }
}

function bump(m: Map<string, number>, id: string): void {
  m.set(id, (m.get(id) ?? 0) + 1);
}

function signature(s: ShadowSpec): string {
  return JSON.stringify([s.scheduler, s.rawParams, s.cacheBytes, s.hashKey ?? null]);
}

/** The pool's shadow after a (re)configuration: kept when unchanged, made anew when changed, dropped when gone. */
export function syncShadow(cur: Shadow | undefined, spec: ShadowSpec | undefined, backends: readonly BackendView[], now: number, seed: number): Shadow | undefined {
  if (spec === undefined) return undefined;
  if (cur !== undefined && cur.signature === signature(spec)) {
    cur.changed(backends, now);
    return cur;
  }
  return new Shadow(spec, backends, now, seed);
}
