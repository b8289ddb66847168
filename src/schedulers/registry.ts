// Every scheduler by name. One file per algorithm; add it to DEFS to register it.
import type { SchedulerDef } from './types.js';
import { rr } from './rr.js';

const DEFS: readonly SchedulerDef<unknown>[] = [rr as SchedulerDef<unknown>];

const byName = new Map<string, SchedulerDef<unknown>>();
for (const d of DEFS) {
  byName.set(d.name, d);
  for (const a of d.aliases ?? []) byName.set(a, d);
}

export function getScheduler(name: string): SchedulerDef<unknown> | undefined {
  return byName.get(name);
}

export function schedulerNames(): string[] {
  return DEFS.map((d) => d.name);
}

export function allSchedulers(): readonly SchedulerDef<unknown>[] {
  return DEFS;
}
