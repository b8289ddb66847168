// The last N scheduler decisions' inputs of one pool (hash key, client address and port, and the
// pool's requests in flight at that moment), kept for the reload preview (src/runtime/preview.ts).
// Filled on the request path by src/pipeline/decide.ts: four stores and an index step, no
// allocation; the strings are the request's own.

/** Samples kept per pool. */
export const RECENT_KEYS = 1024;

export interface RecentKey {
  /** The pool's hash key value; undefined when the pool's scheduler does not hash. */
  key: string | undefined;
  clientIp: string;
  clientPort: number;
  /** The pool's requests in flight when the scheduler decided (load-aware schedulers read it). */
  inFlight: number;
}

export class RecentKeys {
  private readonly keys: (string | undefined)[];
  private readonly ips: string[];
  private readonly ports: Int32Array;
  private readonly loads: Int32Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity = RECENT_KEYS) {
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.ips = new Array<string>(capacity).fill('');
    this.ports = new Int32Array(capacity);
    this.loads = new Int32Array(capacity);
  }

  add(key: string | undefined, clientIp: string, clientPort: number, inFlight: number): void {
    const i = this.next;
    this.keys[i] = key;
    this.ips[i] = clientIp;
    this.ports[i] = clientPort;
    this.loads[i] = inFlight;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  get size(): number {
    return this.filled;
  }

  /** Oldest first. */
  list(): RecentKey[] {
    const out: RecentKey[] = [];
    const start = this.filled < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.filled; k++) {
      const i = (start + k) % this.capacity;
      out.push({ key: this.keys[i], clientIp: this.ips[i]!, clientPort: this.ports[i]!, inFlight: this.loads[i]! });
    }
    return out;
  }
}
