// Hash-consistent first choice (cluster workers without a shared store): weighted rendezvous
// hashing of the pin's client key over the eligible backends, so every worker — whatever its
// scheduler cursors — pins a given client to the same backend.
import { murmur3 } from '../schedulers/hash.js';
import { eligible, type BackendView } from '../schedulers/types.js';

export function rendezvous<B extends BackendView>(backends: readonly B[], key: string, avoid?: ReadonlySet<string>): B | null {
  let best: B | null = null;
  let bestScore = -Infinity;
  for (const b of backends) {
    if (!eligible(b, avoid)) continue;
    const u = (murmur3(`${key}\0${b.id}`) + 0.5) / 4294967296;
    const score = -b.weight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = b;
    }
  }
  return best;
}
