// Every scheduler by name. One file per algorithm; add it to DEFS to register it.
import type { SchedulerDef } from './types.js';
import { rr } from './rr.js';
import { wrr } from './wrr.js';
import { lc } from './lc.js';
import { wlc } from './wlc.js';
import { sed } from './sed.js';
import { nq } from './nq.js';
import { dh } from './dh.js';
import { sh } from './sh.js';
import { mh } from './mh.js';
import { lblc } from './lblc.js';
import { lblcr } from './lblcr.js';
import { chbl } from './chbl.js';
import { lard } from './lard.js';
import { lardR } from './lard-r.js';
import { p2c } from './p2c.js';
import { ewma } from './ewma.js';

const DEFS: readonly SchedulerDef<unknown>[] = [
  rr as SchedulerDef<unknown>,
  wrr as SchedulerDef<unknown>,
  lc as SchedulerDef<unknown>,
  wlc as SchedulerDef<unknown>,
  sed as SchedulerDef<unknown>,
  nq as SchedulerDef<unknown>,
  dh as SchedulerDef<unknown>,
  sh as SchedulerDef<unknown>,
  lblc as SchedulerDef<unknown>,
  lblcr as SchedulerDef<unknown>,
  mh as SchedulerDef<unknown>,
  chbl as SchedulerDef<unknown>,
  lard as SchedulerDef<unknown>,
  lardR as SchedulerDef<unknown>,
  p2c as SchedulerDef<unknown>,
  ewma as SchedulerDef<unknown>,
];

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
