// nq — IPVS never queue (docs/schedulers.md#nq-never-queue): the first idle eligible backend, else the sed rule.
// One pass: an idle backend costs 0, which ends the walk (src/schedulers/select.ts argmin).
import { argmin, statelessDef } from './select.js';
import type { BackendView } from './types.js';

function nqSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  return argmin(backends, avoid, 'idle-or-delay', true);
}

export const nq = statelessDef('nq', nqSelect);
