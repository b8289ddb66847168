// wlc — IPVS weighted least connection, the default scheduler (docs/schedulers.md#wlc-weighted-least-connection).
import { statelessDef, wlcSelect } from './select.js';

export const wlc = statelessDef('wlc', wlcSelect);
