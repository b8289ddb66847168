// Golden key → backend mappings for the hashing schedulers of this set, checked in (like HAProxy's
// balance-uri.vtc): a change here remaps live traffic on upgrade, so it must be deliberate.
// Regenerate only on purpose; the sh column is also derived from the kernel formula in sh.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dh } from '../../src/schedulers/dh.js';
import { mh } from '../../src/schedulers/mh.js';
import { sh } from '../../src/schedulers/sh.js';
import type { SchedulerDef } from '../../src/schedulers/types.js';
import { Harness, mk } from './core-kit.js';

interface Golden {
  backends: [string, number][];
  paths: string[];
  clients: string[];
  [scheduler: string]: unknown;
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/hash-golden.json', import.meta.url), 'utf8')) as Golden;
const cases: [string, SchedulerDef<never>, 'paths' | 'clients', Record<string, unknown>][] = [
  ['dh', dh as SchedulerDef<never>, 'paths', {}],
  ['mh', mh as SchedulerDef<never>, 'paths', {}],
  ['mh-251', mh as SchedulerDef<never>, 'paths', { tableSize: 251 }],
  ['sh', sh as SchedulerDef<never>, 'clients', {}],
];

describe('golden hash mappings', () => {
  for (const [name, def, keys, raw] of cases) {
    it(`${name}: every fixed key maps to its recorded backend`, () => {
      const h = new Harness(def, golden.backends.map(([id, w]) => mk(id, w)), raw);
      const want = golden[name] as Record<string, string>;
      for (const k of golden[keys]) expect(h.id(k, name === 'sh' ? { clientIp: k } : {}), k).toBe(want[k]);
    });
  }
});
