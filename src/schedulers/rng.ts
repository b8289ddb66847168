// The one seeded random source of the schedulers (mulberry32), in two forms over the same step:
// a closure (the injected Rng) and a seed kept inside scheduler state (clone-safe).
import type { Rng } from './types.js';

/**
 * One mulberry32 step over a number stored in `st.seed`: a float in [0, 1). Scheduler state keeps
 * its own seed so that `explain`, which picks on a structuredClone of the state, never advances
 * the pool's real stream.
 */
export function nextRandom(st: { seed: number }): number {
  const a = (st.seed + 0x6d2b79f5) >>> 0;
  st.seed = a;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** mulberry32: a small, fast seeded PRNG so that every random decision reproduces from a seed. */
export function seededRng(seed: number): Rng {
  const st = { seed: seed >>> 0 };
  return () => nextRandom(st);
}

/** A seed for an in-state random stream, drawn from the injected Rng. */
export const seedFrom = (rng: Rng): number => Math.floor(rng() * 4294967296) >>> 0;
