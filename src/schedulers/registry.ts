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

const DEFS: readonly SchedulerDef[] = [
  rr,
  wrr,
  lc,
  wlc,
  sed,
  nq,
  dh,
  sh,
  lblc,
  lblcr,
  mh,
  chbl,
  lard,
  lardR,
  p2c,
  ewma,
];

const byName = new Map<string, SchedulerDef>();
for (const d of DEFS) {
  byName.set(d.name, d);
  for (const a of d.aliases ?? []) byName.set(a, d);
}

export function getScheduler(name: string): SchedulerDef | undefined {
  return byName.get(name);
}

export function schedulerNames(): string[] {
  return DEFS.map((d) => d.name);
}

export function allSchedulers(): readonly SchedulerDef[] {
  return DEFS;
}
