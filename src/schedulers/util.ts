// Small helpers shared by this set of schedulers: gcd, a 32-bit integer mix, a clone-safe seeded
// random stream kept inside scheduler state, and a list-change check.
import { available, type BackendView, type Rng } from './types.js';

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}


/** A seed for an in-state random stream, drawn from the injected Rng. */
export const seedFrom = (rng: Rng): number => Math.floor(rng() * 4294967296) >>> 0;

/**
 * mulberry32 step over a number stored in scheduler state (so `explain`, which picks on a
 * structuredClone of the state, never advances the pool's real stream).
 */
export function nextRandom(st: { seed: number }): number {
  const a = (st.seed + 0x6d2b79f5) >>> 0;
  st.seed = a;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Positions of the backends that can take traffic (active or draining), in list order. */
export function availableIndexes(backends: readonly BackendView[]): number[] {
  const out: number[] = [];
  backends.forEach((b, i) => {
    if (available(b)) out.push(i);
  });
  return out;
}

/** The ids of a backend list, in order: the fingerprint tables are built from. */
export const idsOf = (backends: readonly BackendView[]): string[] => backends.map((b) => b.id);

/** True when `backends` is still the list (same ids, same order) that `ids` was taken from. */
export function sameIds(backends: readonly BackendView[], ids: readonly string[]): boolean {
  if (backends.length !== ids.length) return false;
  for (let i = 0; i < ids.length; i++) if (backends[i]!.id !== ids[i]) return false;
  return true;
}
