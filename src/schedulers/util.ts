// Small helpers shared by this set of schedulers: gcd and the available members of a list.
import { available, type BackendView } from './types.js';

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
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
