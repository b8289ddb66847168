// Config compile: a validated config becomes a snapshot (the config deep-frozen, its route matcher,
// a version). A request keeps the snapshot it started with (src/pipeline/admit.ts returns it).
import type { Config } from '../config/normalized.js';
import { Matcher } from '../match/compile.js';

export interface Snapshot {
  readonly config: Config;
  readonly matcher: Matcher;
  readonly version: number;
}

export function compile(config: Config, version: number): Snapshot {
  deepFreeze(config);
  return Object.freeze({ config, matcher: new Matcher(config.routes), version });
}

/**
 * Freeze plain objects and arrays all the way down. Other objects (RegExp, whose lastIndex
 * `exec` writes; Map; class instances) are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
