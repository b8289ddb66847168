// wlc — IPVS weighted least connection, the default scheduler (schedulers.md §5).
import { statelessDef, wlcSelect } from './select.js';

export const wlc = statelessDef('wlc', wlcSelect);
