// An LRU cache of whole objects bounded by bytes (docs/simulator.md#workload-w1). Objects are small integer
// ids, so the recency list lives in typed arrays: every operation is O(1) and allocation-free.
// An object larger than the capacity is never cached.

export class ByteLru {
  /** Bytes currently held. */
  used = 0;
  /** Objects currently held. */
  count = 0;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly held: Uint8Array;
  /** Most recently used id, or −1. */
  private head = -1;
  /** Least recently used id, or −1. */
  private tail = -1;

  /** `objects` = number of distinct ids (0..objects−1); `sizes[id]` = bytes of each. */
  constructor(readonly capacity: number, private readonly sizes: Float64Array) {
    const n = sizes.length;
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.held = new Uint8Array(n);
  }

  has(id: number): boolean {
    return this.held[id] === 1;
  }

  /** Reference `id`: true on a hit (and it becomes most recent); on a miss it is inserted. */
  access(id: number): boolean {
    if (this.held[id] === 1) {
      if (this.head !== id) {
        this.unlink(id);
        this.pushHead(id);
      }
      return true;
    }
    const size = this.sizes[id]!;
    if (size > this.capacity) return false;
    while (this.used + size > this.capacity) this.evict();
    this.held[id] = 1;
    this.used += size;
    this.count++;
    this.pushHead(id);
    return false;
  }

  /** Ids held, most recent first. */
  ids(): number[] {
    const out: number[] = [];
    for (let i = this.head; i !== -1; i = this.next[i]!) out.push(i);
    return out;
  }

  private evict(): void {
    const id = this.tail;
    this.unlink(id);
    this.held[id] = 0;
    this.used -= this.sizes[id]!;
    this.count--;
  }

  private unlink(id: number): void {
    const p = this.prev[id]!;
    const n = this.next[id]!;
    if (p === -1) this.head = n;
    else this.next[p] = n;
    if (n === -1) this.tail = p;
    else this.prev[n] = p;
  }

  private pushHead(id: number): void {
    this.prev[id] = -1;
    this.next[id] = this.head;
    if (this.head !== -1) this.prev[this.head] = id;
    this.head = id;
    if (this.tail === -1) this.tail = id;
  }
}
