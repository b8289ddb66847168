// Small validators shared by schedulers' parse() functions: each pushes a problem naming the key.
import type { Problem } from './types.js';

export function num(
  raw: Readonly<Record<string, unknown>>, key: string, at: string, problems: Problem[],
  def: number, opts: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const v = raw[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.push({ path: `${at}.${key}`, message: `must be a number, got ${JSON.stringify(v)}` });
    return def;
  }
  if (opts.integer && !Number.isInteger(v)) {
    problems.push({ path: `${at}.${key}`, message: `must be an integer, got ${v}` });
    return def;
  }
  if (opts.min !== undefined && v < opts.min) {
    problems.push({ path: `${at}.${key}`, message: `must be ≥ ${opts.min}, got ${v}` });
    return def;
  }
  if (opts.max !== undefined && v > opts.max) {
    problems.push({ path: `${at}.${key}`, message: `must be ≤ ${opts.max}, got ${v}` });
    return def;
  }
  return v;
}

export function bool(
  raw: Readonly<Record<string, unknown>>, key: string, at: string, problems: Problem[], def: boolean,
): boolean {
  const v = raw[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') {
    problems.push({ path: `${at}.${key}`, message: `must be true or false, got ${JSON.stringify(v)}` });
    return def;
  }
  return v;
}
