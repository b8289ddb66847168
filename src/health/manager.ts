// Health of every backend of every pool: active checks (rise/fall), passive outlier ejection
// (bounded by maxEjectPercent; ended early once active checks pass `rise` times), slow-start ramps,
// and an event with its reason for every change.
// State is kept per (pool, backend id), so it survives reloads that keep the backend.
import type { Logger } from 'pino';
import type { EventBus } from '../events.js';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { UpstreamResult } from '../proxy/records.js';
import { seededRng } from '../schedulers/rng.js';
import { ActiveCheck, checkKey, RiseFall } from './checker.js';
import { checksSinceEjection, coolDown, endsEjectionEarly, isFailure, mayEject, type ReturnCause } from './outlier.js';
import type { ProbeResult } from './probe.js';

/** What the health manager needs from the router. */
export interface HealthHost {
  readonly pools: Map<string, PoolRuntime>;
  readonly events: EventBus;
  readonly log: Logger;
  readonly upstreamObservers: ((pool: PoolRuntime, b: BackendState, r: UpstreamResult) => void)[];
}

/** One backend's health, for the admin API and dashboard. */
export interface BackendHealth {
  pool: string;
  backend: string;
  healthy: boolean;
  checking: boolean;
  lastCheck: { at: number; ok: boolean; detail: string; ms: number } | undefined;
  okStreak: number;
  failStreak: number;
  consecutiveFailures: number;
  ejectedUntil: number;
  ejections: number;
  ejectionsSkipped: number;
  /** ms from the first failure seen to the backend going down, last time it went down. */
  lastDetectMs: number | undefined;
  slowStart: { since: number; weight: number; of: number } | undefined;
  /** How ejections ended: active checks passed (`checks`) or the ejection time ran out (`time`). */
  ejectionEnds: Record<ReturnCause, number>;
  /** The last return from an ejection; `earlyMs`: how much of the ejection time was left. */
  lastReturn: { at: number; cause: ReturnCause; earlyMs: number } | undefined;
}

interface Rec {
  pool: string;
  backend: BackendState;
  rf: RiseFall;
  check: ActiveCheck | undefined;
  last: BackendHealth['lastCheck'];
  /** When the current run of failures began (0: none). */
  firstFailAt: number;
  ejectStreak: number;
  lastEjectEnd: number;
  ejectTimer: NodeJS.Timeout | undefined;
  /** Length of the current (or last) ejection, ms. */
  ejectMs: number;
  /** The active check's `started` count at the ejection: checks numbered above it began after. */
  ejectMark: number;
  /** Passing checks in a row since the ejection (outlier.ts checksSinceEjection). */
  sinceEject: number;
  ends: Record<ReturnCause, number>;
  lastReturn: BackendHealth['lastReturn'];
  lastDetectMs: number | undefined;
  skipped: number;
}

const keyOf = (pool: string, id: string) => `${pool}\n${id}`;

export class HealthManager {
  private readonly recs = new Map<string, Rec>();
  private readonly rampTimers = new Map<string, NodeJS.Timeout>();
  private readonly ramping = new Map<BackendState, number>();
  private readonly offs: (() => void)[] = [];
  private running = false;
  private syncQueued = false;
  private seq = 0;
  private readonly observer = (pool: PoolRuntime, b: BackendState, r: UpstreamResult) => this.onUpstream(pool, b, r);

  constructor(private readonly host: HealthHost, private readonly seed = 1) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.host.upstreamObservers.push(this.observer);
    const ev = this.host.events;
    const q = () => this.queueSync();
    this.offs.push(
      // a backend added at run time starts checks (and its initial state) before it takes work
      ev.on('backend.added', (e) => (this.host.pools.get(e.pool)?.get(e.backend) ? this.sync() : q())),
      ev.on('config.reloaded', () => this.sync()),
      ev.on('backend.removed', q),
      ev.on('backend.state', q),
    );
    this.sync();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    const obs = this.host.upstreamObservers;
    const i = obs.indexOf(this.observer);
    if (i !== -1) obs.splice(i, 1);
    for (const off of this.offs.splice(0)) off();
    for (const r of this.recs.values()) this.dispose(r);
    this.recs.clear();
    for (const t of this.rampTimers.values()) clearInterval(t);
    this.rampTimers.clear();
  }

  status(pool: string, id: string): BackendHealth | undefined {
    const r = this.recs.get(keyOf(pool, id));
    if (!r) return undefined;
    const b = r.backend;
    return {
      pool, backend: id, healthy: b.healthy, checking: r.check !== undefined, lastCheck: r.last,
      okStreak: r.rf.okStreak, failStreak: r.rf.failStreak, consecutiveFailures: b.consecutiveFailures,
      ejectedUntil: b.ejectedUntil, ejections: b.ejections, ejectionsSkipped: r.skipped, lastDetectMs: r.lastDetectMs,
      slowStart: b.rampStart !== 0 ? { since: b.rampStart, weight: b.weight, of: b.configWeight } : undefined,
      ejectionEnds: { ...r.ends }, lastReturn: r.lastReturn,
    };
  }

  /** Match checkers and records to the pools' current backends (after start, add, remove, reload). */
  sync(): void {
    if (!this.running) return;
    const seen = new Set<string>();
    for (const pool of this.host.pools.values()) {
      for (const b of pool.backends) {
        if (b.removing) continue;
        const key = keyOf(pool.name, b.id);
        seen.add(key);
        let r = this.recs.get(key);
        if (!r || r.backend !== b) {
          if (r) this.dispose(r);
          r = {
            pool: pool.name, backend: b, rf: new RiseFall(b.healthy), check: undefined, last: undefined, firstFailAt: 0,
            ejectStreak: 0, lastEjectEnd: 0, ejectTimer: undefined, lastDetectMs: undefined, skipped: 0,
            ejectMs: Math.max(0, b.ejectedUntil - Date.now()), ejectMark: 0, sinceEject: 0, ends: { checks: 0, time: 0 }, lastReturn: undefined,
          };
          this.recs.set(key, r);
          if (b.ejectedUntil !== 0) this.armEjectTimer(r);
          const h0 = pool.spec.health;
          if (h0?.initial === 'down' && b.healthy && b.requests === 0) {
            b.healthy = r.rf.healthy = false;
            this.refreshPool(pool, b, `initial state down: up after ${h0.rise} passing check${h0.rise === 1 ? '' : 's'}`);
          }
        }
        const h = pool.spec.health;
        if (h) {
          if (!r.check || r.check.key !== checkKey(h, pool.spec.tls, pool.spec.sendProxy)) {
            r.check?.stop();
            const rec = r;
            // sendProxy pools: checks carry a PROXY LOCAL header like HAProxy's check-send-proxy
            // (http, https before TLS, and tcp); https: checks verify with the pool's tls, as requests do
            const target = { id: b.id, host: b.host, port: b.port, protocol: b.protocol, sendProxy: pool.spec.sendProxy, tls: pool.spec.tls };
            r.check = new ActiveCheck(target, h, seededRng(this.seed * 7919 + this.seq++), (res, t0, n) => this.onCheck(rec, res, t0, n));
            // every check of the new checker begins after any ejection in progress
            r.ejectMark = r.sinceEject = 0;
            r.check.start();
          }
        } else if (r.check) {
          r.check.stop();
          r.check = undefined;
          r.rf.okStreak = r.rf.failStreak = 0;
          if (!b.healthy) {
            b.healthy = r.rf.healthy = true;
            this.refreshPool(pool, b, 'health checks removed from the pool');
          }
        }
      }
      this.scanRamps(pool, Date.now());
    }
    for (const [key, r] of this.recs) {
      if (!seen.has(key)) {
        this.dispose(r);
        this.recs.delete(key);
      }
    }
    for (const [b] of this.ramping) if (b.removing) this.ramping.delete(b);
  }

  private queueSync(): void {
    if (this.syncQueued || !this.running) return;
    this.syncQueued = true;
    setImmediate(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  private dispose(r: Rec): void {
    r.check?.stop();
    r.check = undefined;
    if (r.ejectTimer) clearTimeout(r.ejectTimer);
    r.ejectTimer = undefined;
  }

  private live(r: Rec): PoolRuntime | undefined {
    const pool = this.host.pools.get(r.pool);
    return this.running && pool && pool.backends.includes(r.backend) && !r.backend.removing ? pool : undefined;
  }

  // ---- active checks ----

  private onCheck(r: Rec, res: ProbeResult, startedAt: number, seq: number): void {
    const pool = this.live(r);
    if (!pool || !pool.spec.health) return;
    const h = pool.spec.health;
    const b = r.backend;
    const ejected = b.ejectedUntil > Date.now();
    if (ejected) r.sinceEject = checksSinceEjection(r.sinceEject, res.ok, seq > r.ejectMark);
    r.last = { at: Date.now(), ok: res.ok, detail: res.detail, ms: res.ms };
    this.host.events.emit('health.check', { pool: pool.name, backend: b.id, ok: res.ok, detail: res.detail });
    if (res.ok) {
      if (b.consecutiveFailures === 0) r.firstFailAt = 0;
    } else if (r.firstFailAt === 0) r.firstFailAt = startedAt;
    const t = r.rf.record(res.ok, h.rise, h.fall);
    if (t === 'down') {
      b.healthy = false;
      this.refreshPool(pool, b, `active check failed ${h.fall} time${h.fall === 1 ? '' : 's'} in a row (${res.detail})`);
      return;
    }
    // a passive ejection ends as soon as active checks pass `rise` times (docs/security.md#passive-ejection-and-return)
    const early = ejected && endsEjectionEarly(r.sinceEject, h.rise, r.rf.healthy);
    if (t !== 'up' && !early) return;
    const now = Date.now();
    const times = `${h.rise} time${h.rise === 1 ? '' : 's'} in a row`;
    let reason = `active check passed ${times} (${res.detail})`;
    if (t === 'up') {
      b.healthy = true;
      r.firstFailAt = 0;
    }
    if (early) {
      const left = this.endEjection(r, 'checks', now);
      b.ejectedUntil = 0;
      reason = `ejection ended ${left} ms early: active check passed ${times} since the ejection (${res.detail})`;
    }
    if (pool.spec.slowStart > 0 && b.ejectedUntil === 0) b.rampStart = now;
    this.refreshPool(pool, b, reason, now);
  }

  // ---- passive checks (outlier ejection) ----

  private onUpstream(pool: PoolRuntime, b: BackendState, res: UpstreamResult): void {
    const r = this.recs.get(keyOf(pool.name, b.id));
    if (!r || r.backend !== b) return;
    if (res === 'ok') {
      b.consecutiveFailures = 0;
      if (b.healthy && r.rf.failStreak === 0) r.firstFailAt = 0;
      return;
    }
    if (!isFailure(res)) return;
    const now = Date.now();
    b.failures++;
    b.consecutiveFailures++;
    if (r.firstFailAt === 0) r.firstFailAt = now;
    const o = pool.spec.outlier;
    if (o.consecutiveFailures === 0 || b.consecutiveFailures < o.consecutiveFailures) return;
    if (b.state !== 'active' && b.state !== 'drain') return;
    if (!mayEject(pool.backends, o, now)) {
      if (r.skipped++ === 0 || b.consecutiveFailures === o.consecutiveFailures) {
        this.host.log.warn({ pool: pool.name, backend: b.id, maxEjectPercent: o.maxEjectPercent }, 'backend failing but not ejected: maxEjectPercent reached');
      }
      return;
    }
    if (r.lastEjectEnd !== 0 && now - r.lastEjectEnd > o.maxEjectionTime) r.ejectStreak = 0;
    r.ejectStreak++;
    const ms = coolDown(o, r.ejectStreak);
    const n = b.consecutiveFailures;
    b.ejectedUntil = now + ms;
    b.ejections++;
    b.consecutiveFailures = 0;
    b.rampStart = 0;
    r.ejectMs = ms;
    r.ejectMark = r.check?.started ?? 0;
    r.sinceEject = 0;
    const rise = pool.spec.health?.rise;
    const sooner = rise !== undefined ? `; back sooner once ${rise} active check${rise === 1 ? '' : 's'} in a row pass` : '';
    const reason = `ejected for ${ms} ms after ${n} consecutive failures (last: ${res})${sooner}`;
    this.refreshPool(pool, b, reason, now);
    this.host.events.emit('backend.ejected', { pool: pool.name, backend: b.id, forMs: ms, ejections: b.ejections, reason });
    this.armEjectTimer(r);
  }

  private armEjectTimer(r: Rec): void {
    if (r.ejectTimer) clearTimeout(r.ejectTimer);
    const b = r.backend;
    r.ejectTimer = setTimeout(() => {
      r.ejectTimer = undefined;
      const pool = this.live(r);
      if (!pool) return;
      const now = Math.max(Date.now(), b.ejectedUntil);
      this.endEjection(r, 'time', now);
      if (b.healthy && pool.spec.slowStart > 0) b.rampStart = now;
      this.refreshPool(pool, b, `ejection time ran out (${r.ejectMs} ms; ejected ${b.ejections} time${b.ejections === 1 ? '' : 's'})`, now);
    }, Math.max(0, b.ejectedUntil - Date.now()));
    r.ejectTimer.unref();
  }

  /**
   * Book-keeping for an ejection's end; returns the ms of ejection time that were left. The end
   * time feeds the backoff: an ejection soon after this one still doubles (onUpstream).
   */
  private endEjection(r: Rec, cause: ReturnCause, now: number): number {
    if (r.ejectTimer) clearTimeout(r.ejectTimer);
    r.ejectTimer = undefined;
    const left = Math.max(0, r.backend.ejectedUntil - now);
    r.lastEjectEnd = now;
    r.sinceEject = 0;
    r.ends[cause]++;
    r.lastReturn = { at: now, cause, earlyMs: left };
    return left;
  }

  // ---- state changes, events, slow start ----

  /** Recompute the pool; one `backend.state` event per backend whose state changed. */
  private refreshPool(pool: PoolRuntime, target: BackendState | undefined, reason: string, now = Date.now()): void {
    const before = pool.backends.map((b) => b.state);
    const list = pool.backends;
    pool.refresh(now);
    list.forEach((b, i) => {
      const from = before[i]!;
      if (from === b.state) return;
      const why = b === target ? reason : 'state recomputed';
      b.reason = why;
      let detectMs: number | undefined;
      const r = this.recs.get(keyOf(pool.name, b.id));
      if (b.state === 'down' && r && r.firstFailAt > 0) {
        detectMs = now - r.firstFailAt;
        r.lastDetectMs = detectMs;
        const h = pool.spec.health;
        this.host.log.warn(
          { pool: pool.name, backend: b.id, detectMs, targetMs: h ? h.interval * h.fall + h.timeout : undefined, reason: why },
          `backend ${b.id} down ${detectMs} ms after its first failure`,
        );
      } else this.host.log.info({ pool: pool.name, backend: b.id, from, to: b.state, reason: why }, `backend ${b.id} ${b.state}`);
      this.host.events.emit('backend.state', { pool: pool.name, backend: b.id, from, to: b.state, reason: why, ...(detectMs !== undefined ? { detectMs } : {}) });
    });
    this.scanRamps(pool, now);
  }

  /** Notice ramps that began or ended; keep one ticker per pool while any backend ramps. */
  private scanRamps(pool: PoolRuntime, now: number): void {
    let any = false;
    for (const b of pool.backends) {
      const since = this.ramping.get(b);
      if (b.rampStart !== 0 && !b.removing) {
        any = true;
        if (since === undefined) {
          this.ramping.set(b, b.rampStart);
          this.host.events.emit('backend.slowstart', { pool: pool.name, backend: b.id, phase: 'start', ms: pool.spec.slowStart });
        }
      } else if (since !== undefined) {
        this.ramping.delete(b);
        this.host.events.emit('backend.slowstart', { pool: pool.name, backend: b.id, phase: 'done', ms: now - since });
      }
    }
    const t = this.rampTimers.get(pool.name);
    if (any && !t && this.running) {
      const step = Math.min(1000, Math.max(50, Math.round(pool.spec.slowStart / 20)));
      const timer = setInterval(() => {
        const p = this.host.pools.get(pool.name);
        if (!p) {
          clearInterval(timer);
          this.rampTimers.delete(pool.name);
        } else this.refreshPool(p, undefined, 'slow start');
      }, step);
      timer.unref();
      this.rampTimers.set(pool.name, timer);
    } else if (!any && t) {
      clearInterval(t);
      this.rampTimers.delete(pool.name);
    }
  }
}
