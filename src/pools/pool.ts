// A pool: its ordered backends, its scheduler and that scheduler's private state.
import type { Pool as PoolSpec } from '../config/normalized.js';
import { getScheduler } from '../schedulers/registry.js';
import { seededRng } from '../schedulers/rng.js';
import type { PickContext, Scheduler, SchedulerDef, SchedulerState } from '../schedulers/types.js';
import { BackendState } from './backend.js';
import { syncMisroutes, type Misroutes } from './misroute.js';
import { syncShadow, type Shadow } from './shadow.js';

import { RecentKeys } from './recent.js';
import { pickTiered, splitTiers, takesWork, updateTier, type BackupTier } from './backup.js';

export class PoolRuntime {
  readonly name: string;
  spec: PoolSpec;
  backends: BackendState[];
  def: SchedulerDef;
  scheduler: Scheduler<SchedulerState>;
  state: SchedulerState;
  /** `shadow`: a second scheduler that only records; `expect`: the misroute counter (undefined: none). */
  shadow: Shadow | undefined;
  misroute: Misroutes | undefined;
  /** Requests in flight across the pool. */
  inFlight = 0;
  /** The last scheduler decisions' keys, for the reload preview (src/runtime/preview.ts). */
  readonly recent = new RecentKeys();

  /** Requests waiting for admission (LARD's bound), oldest first. */
  readonly waiting: (() => void)[] = [];
  /** What `scheduler` sees: the non-backup backends (`backends` itself when there is no backup). */
  primaries: BackendState[] = [];
  /** The backups and their own scheduler (src/pools/backup.ts); undefined without backups. */
  backup: BackupTier | undefined;
  /** Some backend, primary or backup, takes new work; when not, a fallback pool may (src/pools/fallback.ts). */
  up = true;

  constructor(spec: PoolSpec, now: number, private readonly seed = 1) {
    this.name = spec.name;
    this.spec = spec;
    this.backends = spec.backends.map((b) => new BackendState(b));
    this.def = getScheduler(spec.scheduler)!;
    this.scheduler = this.def.create(spec.params, seededRng(seed));
    for (const b of this.backends) b.refresh(now, spec.slowStart);
    this.state = this.scheduler.init(this.split(now, true), now);
    this.watch(now);
  }

  /** Shadow and misroute counter as the spec now says (kept across reloads that leave them alone). */
  private watch(now: number): void {
    this.shadow = syncShadow(this.shadow, this.spec.shadow, this.shadowMembers(), now, this.seed);
    this.misroute = syncMisroutes(this.misroute, this.spec.expect);
  }

  /** What a shadow decides over: the tier the live decision uses (src/pools/backup.ts). */
  private shadowMembers(): BackendState[] {
    return this.backup?.serving === true ? this.backup.backends : this.primaries;
  }

  /** A new scheduler (name or parameters changed on reload) over the same backends. */
  replaceScheduler(now: number): void {
    this.def = getScheduler(this.spec.scheduler)!;
    this.scheduler = this.def.create(this.spec.params, seededRng(this.seed));
    for (const b of this.backends) b.refresh(now, this.spec.slowStart);
    this.state = this.scheduler.init(this.split(now, true), now);
    this.watch(now);
  }

  /** Sort the backends into tiers (after any change); returns the primaries. */
  private split(now: number, fresh: boolean): BackendState[] {
    const { primaries, backups } = splitTiers(this.backends);
    this.primaries = primaries;
    this.backup = updateTier(this.backup, backups, primaries, this.def, this.spec.params, this.seed, now, fresh);
    this.up = this.backup === undefined || !this.backup.serving ? primaries.some(takesWork) : backups.some(takesWork);
    return primaries;
  }

  /** The scheduler instance and state that own `b`'s tier. */
  private tierOf(b: BackendState): { scheduler: Scheduler<SchedulerState>; state: SchedulerState } {
    return b.backup && this.backup !== undefined ? this.backup : this;
  }

  get(id: string): BackendState | undefined {
    return this.backends.find((b) => b.id === id);
  }

  pick(ctx: PickContext): BackendState | null {
    if (this.backup !== undefined) return pickTiered(this.backup, this, ctx, false);
    return this.scheduler.pick(ctx, this.backends, this.state) as BackendState | null;
  }

  /** Run the scheduler on a copy of its state: for `explain`, which must not move any cursor. */
  peek(ctx: PickContext): BackendState | null {
    if (this.backup !== undefined) return pickTiered(this.backup, this, ctx, true);
    const copy = structuredClone(this.state);
    return this.scheduler.pick(ctx, this.backends, copy) as BackendState | null;
  }

  start(b: BackendState, now: number): void {
    b.active++;
    b.requests++;
    this.inFlight++;
    const t = this.tierOf(b);
    t.scheduler.onStart?.(t.state, b, now);
  }

  end(b: BackendState, rttMs: number, ok: boolean, now: number): void {
    b.active--;
    this.inFlight--;
    const t = this.tierOf(b);
    t.scheduler.onEnd?.(t.state, b, rttMs, ok, now);
    if (this.shadow !== undefined) this.shadow.ended(b, rttMs, ok, now);
    if (b.removing && b.active === 0) this.dropRemoved();
    if (this.waiting.length > 0) {
      const limit = this.admissionLimit();
      if (limit === undefined || this.inFlight < limit) this.waiting.shift()!();
    }
  }

  /** Admission bound on the pool's in-flight total (LARD's S), if the scheduler has one. */
  admissionLimit(): number | undefined {
    const t = this.backup;
    if (t !== undefined && t.serving) return t.scheduler.admissionLimit?.(t.state, t.backends);
    return this.scheduler.admissionLimit?.(this.state, this.primaries);
  }

  /** Recompute every backend's state and weight; tell the scheduler when anything changed. */
  refresh(now: number, force = false): boolean {
    let changed = force;
    for (const b of this.backends) if (b.refresh(now, this.spec.slowStart)) changed = true;
    if (changed) this.changed(now);
    return changed;
  }

  changed(now: number): void {
    const primaries = this.split(now, false);
    if (this.scheduler.onBackendsChanged) this.state = this.scheduler.onBackendsChanged(this.state, primaries, now);
    else this.state = this.scheduler.init(primaries, now);
    this.watch(now);
  }

  /** Remove backends marked `removing` whose in-flight work is done. */
  dropRemoved(): void {
    const keep = this.backends.filter((b) => !(b.removing && b.active === 0));
    if (keep.length !== this.backends.length) {
      this.backends = keep;
      this.changed(Date.now());
    }
  }
}
