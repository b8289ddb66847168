// rr — IPVS round robin (docs/schedulers.md#rr-round-robin): the next eligible backend after the cursor, one lap at most.
import { eligible, type BackendView, type SchedulerDef } from './types.js';

interface State {
  /** id of the backend chosen last; undefined = before the first. */
  last: string | undefined;
  /** index of that backend, used to find its successor when it is removed. */
  lastIndex: number;
}

export const rr: SchedulerDef<null> = {
  name: 'rr',
  family: 'static',
  hashing: false,
  params: [],
  parse: () => null,
  create: () => ({
    init: (): State => ({ last: undefined, lastIndex: -1 }),
    pick(ctx, backends: readonly BackendView[], s: unknown) {
      const st = s as State;
      const n = backends.length;
      if (n === 0) return null;
      let start = st.lastIndex;
      if (st.last !== undefined && backends[start]?.id !== st.last) {
        const i = backends.findIndex((b) => b.id === st.last);
        // the cursor's backend was removed: continue from its predecessor's slot
        start = i >= 0 ? i : Math.min(st.lastIndex, n) - 1;
      }
      for (let k = 1; k <= n; k++) {
        const i = (((start + k) % n) + n) % n;
        const b = backends[i]!;
        if (eligible(b, ctx.avoid)) {
          st.last = b.id;
          st.lastIndex = i;
          return b;
        }
      }
      return null;
    },
  }),
};
