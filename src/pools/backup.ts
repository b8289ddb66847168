// Backup backends (HAProxy `backup`): a pool's second tier, with a scheduler instance of its own
// over the backups only. The tier serves while no primary takes new work (down, disabled, drained
// to weight 0, ejected); the primaries take over again as soon as one does. Schedulers never see
// the other tier, so none of them needs to know about backups (src/pools/pool.ts calls this).
import { seededRng } from '../schedulers/rng.js';
import type { PickContext, Scheduler, SchedulerDef, SchedulerState } from '../schedulers/types.js';
import type { BackendState } from './backend.js';

export interface BackupTier {
  backends: BackendState[];
  scheduler: Scheduler<SchedulerState>;
  state: SchedulerState;
  /** No primary takes new work: requests go to this tier. */
  serving: boolean;
}

/** Takes new work now: the scheduler's eligibility without the per-request parts (docs/schedulers.md). */
export const takesWork = (b: BackendState): boolean => b.state === 'active' && b.weight > 0;

/** The primaries (the list itself when there is no backup: no copy) and the backups. */
export function splitTiers(all: BackendState[]): { primaries: BackendState[]; backups: BackendState[] } {
  if (!all.some((b) => b.backup)) return { primaries: all, backups: [] };
  return { primaries: all.filter((b) => !b.backup), backups: all.filter((b) => b.backup) };
}

/** The backup tier after a change of members or states: made, told, or dropped. */
export function updateTier(
  tier: BackupTier | undefined, backups: BackendState[], primaries: readonly BackendState[],
  def: SchedulerDef, params: unknown, seed: number, now: number, fresh: boolean,
): BackupTier | undefined {
  if (backups.length === 0) return undefined;
  const serving = !primaries.some(takesWork);
  if (tier === undefined || fresh) {
    const scheduler = def.create(params, seededRng(seed + 1));
    return { backends: backups, scheduler, state: scheduler.init(backups, now), serving };
  }
  tier.backends = backups;
  tier.state = tier.scheduler.onBackendsChanged ? tier.scheduler.onBackendsChanged(tier.state, backups, now) : tier.scheduler.init(backups, now);
  tier.serving = serving;
  return tier;
}

/**
 * A pick in a pool with backups. While primaries serve, a request whose retries have avoided
 * every usable primary goes to a backup rather than failing (the primaries just failed it).
 */
export function pickTiered(
  tier: BackupTier, primary: { scheduler: Scheduler<SchedulerState>; state: SchedulerState; primaries: readonly BackendState[] },
  ctx: PickContext, peek: boolean,
): BackendState | null {
  if (!tier.serving) {
    const b = primary.scheduler.pick(ctx, primary.primaries, peek ? structuredClone(primary.state) : primary.state) as BackendState | null;
    if (b !== null || ctx.avoid === undefined || ctx.avoid.size === 0) return b;
  }
  return tier.scheduler.pick(ctx, tier.backends, peek ? structuredClone(tier.state) : tier.state) as BackendState | null;
}
