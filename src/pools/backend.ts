// One backend's live state. Pools hand these objects to schedulers as BackendView (no copies).
import type { Backend } from '../config/normalized.js';
import type { BackendStatus, BackendView } from '../schedulers/types.js';

export type AdminState = 'active' | 'drain' | 'disabled';

export class BackendState implements BackendView {
  readonly id: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: Backend['protocol'];
  /** A backup backend (src/pools/backup.ts); a reload may change it. */
  backup: boolean;
  /** The configured (or admin-set) weight. */
  configWeight: number;
  /** Effective weight seen by schedulers: 0 while drained, ramped during slow start. */
  weight: number;
  lastWeight: number;
  state: BackendStatus = 'active';
  adminState: AdminState = 'active';
  /** Active health checks' verdict (true until a check says otherwise). */
  healthy = true;
  /** Passive (outlier) ejection: down until this time (ms, Date.now clock); 0 = not ejected. */
  ejectedUntil = 0;
  /** Slow start: ramp from this time (ms); 0 = no ramp in progress. */
  rampStart = 0;
  active = 0;
  inactive = 0;
  overloaded = false;
  /** Being removed: takes no new work; gone once active reaches 0. */
  removing = false;
  // counters
  requests = 0;
  failures = 0;
  consecutiveFailures = 0;
  ejections = 0;
  /** Why the backend is in its current state (for the admin API and events). */
  reason = 'configured';

  constructor(b: Backend) {
    this.id = b.id;
    this.url = b.url;
    this.host = b.host;
    this.port = b.port;
    this.protocol = b.protocol;
    this.backup = b.backup === true;
    this.configWeight = b.weight;
    this.weight = b.weight;
    this.lastWeight = b.weight > 0 ? b.weight : 1;
  }

  /**
   * Recompute `state` and `weight` from admin state, health, ejection and slow start.
   * Returns true when either changed (the pool then tells its scheduler).
   */
  refresh(now: number, slowStartMs: number): boolean {
    const prevState = this.state;
    const prevWeight = this.weight;
    if (this.ejectedUntil !== 0 && now >= this.ejectedUntil) this.ejectedUntil = 0;
    if (this.adminState === 'disabled' || this.removing) this.state = 'disabled';
    else if (!this.healthy || this.ejectedUntil !== 0) this.state = 'down';
    else if (this.adminState === 'drain') this.state = 'drain';
    else this.state = 'active';
    if (this.configWeight > 0) this.lastWeight = this.configWeight;
    if (this.state === 'drain') this.weight = 0;
    else if (this.rampStart !== 0 && slowStartMs > 0 && this.configWeight > 0) {
      const f = (now - this.rampStart) / slowStartMs;
      if (f >= 1) {
        this.rampStart = 0;
        this.weight = this.configWeight;
      } else this.weight = Math.max(1, Math.ceil(this.configWeight * Math.max(f, 0)));
    } else this.weight = this.configWeight;
    return prevState !== this.state || prevWeight !== this.weight;
  }
}
