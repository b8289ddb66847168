// Active checks for one backend: a probe every `interval` ms (jittered so checks across backends
// do not fire in lockstep) and consecutive rise/fall counting, keepalived-style: `fall` failures
// in a row take a healthy backend down, `rise` successes in a row bring it back, and a result of
// the opposite kind resets the other counter.
import type { Health, UpstreamTls } from '../config/normalized.js';
import type { Rng } from '../schedulers/types.js';
import { probe, type ProbeResult, type ProbeTarget } from './probe.js';

/** Each gap between two check starts is drawn from [interval × (1 − JITTER), interval]. */
export const JITTER = 0.2;

/**
 * The gap before the next check. Jitter only shortens it, so `interval × fall + timeout`
 * stays an upper bound on the time from a backend's death to its removal.
 */
export function nextGap(interval: number, rng: Rng): number {
  return Math.round(interval * (1 - JITTER * rng()));
}

export type Transition = 'up' | 'down' | undefined;

/** Consecutive rise/fall counting. */
export class RiseFall {
  okStreak = 0;
  failStreak = 0;
  constructor(public healthy = true) {}

  record(ok: boolean, rise: number, fall: number): Transition {
    if (ok) {
      this.failStreak = 0;
      this.okStreak++;
      if (!this.healthy && this.okStreak >= rise) {
        this.healthy = true;
        return 'up';
      }
    } else {
      this.okStreak = 0;
      this.failStreak++;
      if (this.healthy && this.failStreak >= fall) {
        this.healthy = false;
        return 'down';
      }
    }
    return undefined;
  }
}

/** The settings a check runs with (JSON): a reload that changes them restarts the check. */
export const checkKey = (health: Health, tls: UpstreamTls | undefined, sendProxy?: 'v1' | 'v2'): string => JSON.stringify([health, tls ?? null, sendProxy ?? null]);

/** Runs probes for one backend until stopped; each result goes to `onResult`. */
export class ActiveCheck {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Checks begun so far; each result carries its own number (1, 2, …) in start order. */
  started = 0;
  /** Health and TLS settings this check runs with (checkKey), to notice a change on reload. */
  readonly key: string;

  constructor(
    private readonly target: ProbeTarget,
    readonly health: Health,
    private readonly rng: Rng,
    private readonly onResult: (r: ProbeResult, startedAt: number, seq: number) => void,
  ) {
    this.key = checkKey(health, target.tls, target.sendProxy);
  }

  /** The first check fires at a random point within the first interval (phase spread). */
  start(): void {
    this.schedule(Math.round(this.health.interval * this.rng()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const gap = nextGap(this.health.interval, this.rng);
    const t0 = Date.now();
    const seq = ++this.started;
    const r = await probe(this.target, this.health);
    if (this.stopped) return;
    this.onResult(r, t0, seq);
    this.schedule(Math.max(0, gap - (Date.now() - t0)));
  }
}
