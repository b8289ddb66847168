// The cluster model (docs/simulator.md#backend-and-front-end-model): N backends, each an LRU of C bytes with a disk FIFO and a
// CPU FIFO. A hit queues for the CPU only; a miss queues for the disk, then the CPU, and inserts the
// object into that backend's LRU (hit or miss is decided at dispatch).
import type { BackendStatus, BackendView } from '../schedulers/types.js';
import { cpuMs, diskMs } from './cost.js';
import { ByteLru } from './lru.js';

/** What schedulers see of a simulated backend: a BackendView like the pool's, plus its index. */
export class SimBackend implements BackendView {
  state: BackendStatus = 'active';
  active = 0;
  inactive = 0;
  overloaded = false;
  lastWeight: number;
  constructor(readonly index: number, readonly id: string, public weight: number) {
    this.lastWeight = weight > 0 ? weight : 1;
  }
}

/** Backend ids as a pool would name them (`host:port`). */
export function backendId(i: number): string {
  return `10.0.${(i >>> 8) & 255}.${(i & 255) + 1}:8080`;
}

export function makeBackends(n: number, weight: number): SimBackend[] {
  return Array.from({ length: n }, (_, i) => new SimBackend(i, backendId(i), weight));
}

export interface BackendStats {
  requests: number;
  hits: number;
  bytes: number;
  hitBytes: number;
  /** CPU + disk service demand (ms). */
  work: number;
}

export class Node {
  readonly cache: ByteLru;
  cpuFree = 0;
  diskFree = 0;
  readonly stats: BackendStats = { requests: 0, hits: 0, bytes: 0, hitBytes: 0, work: 0 };
  constructor(capacity: number, sizes: Float64Array) {
    this.cache = new ByteLru(capacity, sizes);
  }

  resetStats(): void {
    Object.assign(this.stats, { requests: 0, hits: 0, bytes: 0, hitBytes: 0, work: 0 });
  }

  /** Whether the last dispatch was a cache hit. */
  lastHit = false;

  /**
   * Dispatch object `id` at time `now`: look it up (a miss inserts it), queue a miss on the disk,
   * count it when measured. Returns the time it reaches the CPU queue (now for a hit).
   */
  dispatch(id: number, size: number, now: number, measured: boolean): number {
    const hit = this.cache.access(id);
    this.lastHit = hit;
    let work = cpuMs(size);
    let cpuAt = now;
    if (!hit) {
      const d = diskMs(size);
      work += d;
      const start = this.diskFree > now ? this.diskFree : now;
      this.diskFree = start + d;
      cpuAt = this.diskFree;
    }
    if (measured) {
      const s = this.stats;
      s.requests++;
      s.bytes += size;
      s.work += work;
      if (hit) {
        s.hits++;
        s.hitBytes += size;
      }
    }
    return cpuAt;
  }

  /** The request reaches the CPU FIFO at `now` (events arrive in time order): its completion time. */
  cpu(size: number, now: number): number {
    const start = this.cpuFree > now ? this.cpuFree : now;
    this.cpuFree = start + cpuMs(size);
    return this.cpuFree;
  }
}
