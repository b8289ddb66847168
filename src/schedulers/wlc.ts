// wlc — IPVS weighted least connection, the default scheduler (schedulers.md §5).
import { wlcSelect } from './select.js';
import type { SchedulerDef } from './types.js';

export const wlc: SchedulerDef<null> = {
  name: 'wlc',
  family: 'dynamic',
  hashing: false,
  params: [],
  parse: () => null,
  create: () => ({
    init: () => null,
    pick: (ctx, backends) => wlcSelect(backends, ctx.avoid),
  }),
};
