// The best a partition can do (docs/simulator.md#metrics): the hit ratio of one LRU of N·C bytes on the
// same stream, measured after the same warm-up.
import { ByteLru } from './lru.js';
import type { Workload } from './workload.js';

export function idealHitRatio(w: Workload, bytes: number, warmup: number): number {
  const lru = new ByteLru(bytes, w.sizes);
  let hits = 0;
  let n = 0;
  for (let r = 0; r < w.stream.length; r++) {
    const hit = lru.access(w.stream[r]!);
    if (r >= warmup) {
      n++;
      if (hit) hits++;
    }
  }
  return n === 0 ? 0 : hits / n;
}
