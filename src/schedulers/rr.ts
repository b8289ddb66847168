// rr — IPVS round robin (docs/schedulers.md#rr-round-robin): the next eligible backend after the cursor, one lap at most.
import { scanLap } from './select.js';
import { defineScheduler } from './types.js';
import { noParams } from './params.js';

interface State {
  /** id of the backend chosen last; undefined = before the first. */
  last: string | undefined;
  /** index of that backend, used to find its successor when it is removed. */
  lastIndex: number;
}

export const rr = defineScheduler<null, State>({
  name: 'rr',
  family: 'static',
  hashing: false,
  ...noParams,
  create: () => ({
    init: () => ({ last: undefined, lastIndex: -1 }),
    pick(ctx, backends, st) {
      const n = backends.length;
      if (n === 0) return null;
      let start = st.lastIndex;
      if (st.last !== undefined && backends[start]?.id !== st.last) {
        const i = backends.findIndex((b) => b.id === st.last);
        // the cursor's backend was removed: continue from its predecessor's slot
        start = i >= 0 ? i : Math.min(st.lastIndex, n) - 1;
      }
      const i = scanLap(backends, Math.min(Math.max(start + 1, 0), n), ctx.avoid);
      if (i < 0) return null;
      const b = backends[i]!;
      st.last = b.id;
      st.lastIndex = i;
      return b;
    },
  }),
});
