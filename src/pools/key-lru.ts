// An LRU of whole objects by key, bounded by bytes: the cache a shadow models per backend
// (src/pools/shadow.ts). A Map keeps insertion order, so its first key is the least recent.
// Same rules as the simulator's ByteLru (src/sim/lru.ts): an object larger than the capacity is never held.
// `maxObjects` bounds its memory too (many tiny objects): past it the least recent goes as well.

export class KeyLru {
  used = 0;
  private readonly map = new Map<string, number>();
  constructor(readonly capacity: number, readonly maxObjects = 100_000) {}

  /** Reference `key` of `size` bytes: true on a hit (it becomes most recent); a miss inserts it. */
  access(key: string, size: number): boolean {
    const held = this.map.get(key);
    if (held !== undefined) {
      this.map.delete(key);
      this.map.set(key, held);
      return true;
    }
    if (size > this.capacity) return false;
    while (this.used + size > this.capacity || this.map.size >= this.maxObjects) {
      const [k, n] = this.map.entries().next().value as [string, number];
      this.map.delete(k);
      this.used -= n;
    }
    this.map.set(key, size);
    this.used += size;
    return false;
  }

  get size(): number {
    return this.map.size;
  }
}
