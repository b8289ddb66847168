// lc — IPVS least connection (docs/schedulers.md#lc-least-connection): smallest 256·active + inactive; ties keep the earliest.
import { argmin, statelessDef } from './select.js';
import type { BackendView } from './types.js';

export function lcSelect(backends: readonly BackendView[], avoid?: ReadonlySet<string>): BackendView | null {
  return argmin(backends, avoid, 'overhead', false);
}

export const lc = statelessDef('lc', lcSelect);
