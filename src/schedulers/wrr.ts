// wrr — IPVS weighted round robin (docs/schedulers.md#wrr-weighted-round-robin): passes over the list with a falling weight
// threshold cw (step di = gcd of weights), so picks interleave and are exactly proportional.
import { scan } from './select.js';
import { available, defineScheduler, type BackendView, type PickContext } from './types.js';
import { gcd } from './util.js';
import { noParams } from './params.js';

interface State {
  /** index of the backend chosen last; -1 = the list head ("before the first"). */
  cl: number;
  /** current weight threshold */
  cw: number;
  /** maximum weight − (di − 1); 0 when no backend has a positive weight */
  mw: number;
  /** gcd of all positive weights (1 if none) */
  di: number;
  /** list length the figures were computed for */
  n: number;
}

/** Weight as wrr counts it: down / disabled backends are out of the service. */
const w = (b: BackendView): number => (available(b) ? b.weight : 0);

function figures(backends: readonly BackendView[]): { di: number; max: number } {
  let g = 0;
  let max = 0;
  for (const b of backends) {
    const x = w(b);
    if (x > 0) g = g > 0 ? gcd(x, g) : x;
    if (x > max) max = x;
  }
  return { di: g || 1, max };
}

/** IPVS dest_changed: new di/mw, cursor back to the top, cw kept in range. */
function changed(st: State, backends: readonly BackendView[]): State {
  const { di, max } = figures(backends);
  st.cl = -1;
  st.di = di;
  st.mw = max - (di - 1);
  if (st.cw > st.mw || st.cw === 0) st.cw = st.mw;
  else if (di > 1) st.cw = Math.floor(st.cw / di) * di + 1;
  st.n = backends.length;
  return st;
}

function pick(ctx: PickContext, backends: readonly BackendView[], st: State): BackendView | null {
  if (backends.length !== st.n) changed(st, backends);
  if (st.mw <= 0) return null;
  const n = backends.length;
  const last = st.cl;
  let stop = -2; // no stop index until the last pass has started
  let lastPass = false;
  let restarted = false;
  let i = st.cl;
  for (;;) {
    // walk on from i; on the last pass, no further than the stop index
    const stopping = stop > i && stop < n;
    const j = scan(backends, i + 1, stopping ? stop + 1 : n, ctx.avoid, st.cw);
    if (j >= 0) {
      st.cl = j;
      return backends[j]!;
    }
    if (stopping) {
      st.cl = stop;
      return null;
    }
    st.cw -= st.di;
    if (st.cw <= 0) {
      st.cw = st.mw;
      // a last pass (cw ≤ di) already covered everything, or the walk started at the head
      if (lastPass || last === -1) {
        st.cl = -1;
        return null;
      }
      restarted = true;
    }
    lastPass = st.cw <= st.di;
    if (lastPass && restarted && last !== -1) stop = last;
    i = -1;
  }
}

export const wrr = defineScheduler<null, State>({
  name: 'wrr',
  family: 'static',
  hashing: false,
  ...noParams,
  create: () => ({
    init: (backends): State => {
      const { di, max } = figures(backends);
      return { cl: -1, di, mw: max - (di - 1), cw: max - (di - 1), n: backends.length };
    },
    pick,
    onBackendsChanged: changed,
  }),
});
