// Cluster mode: how long the primary waits before replacing a worker that died (src/cli/cluster.ts).
// The delay doubles with each death in a row, up to a cap; a worker that ran for `stableMs` before
// dying starts the sequence again. Pure: the caller passes the worker's lifetime.

export interface BackoffOptions {
  /** First delay (ms). */
  baseMs: number;
  /** Largest delay (ms). */
  capMs: number;
  /** A worker that lived this long (ms) resets the back-off. */
  stableMs: number;
}

export const RESPAWN: BackoffOptions = { baseMs: 250, capMs: 30_000, stableMs: 10_000 };

export class RespawnBackoff {
  private streak = 0;

  constructor(private readonly opts: BackoffOptions = RESPAWN) {}

  /** The delay before replacing a worker that died after `livedMs`. */
  next(livedMs: number): number {
    if (livedMs >= this.opts.stableMs) this.streak = 0;
    const delay = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.streak, 30));
    this.streak++;
    return delay;
  }
}
