// ewma — peak EWMA (Finagle / Linkerd, docs/schedulers.md#ewma-peak-ewma): per-backend RTT estimate that jumps up to
// any higher observation and decays exp(−Δt/τ) otherwise; p2c on cost × (pending + 1) / weight.
// Two distinct eligible backends are drawn uniformly (Finagle); weights enter through the score.
import { declareParams, num } from './params.js';
import { buildAlias, drawDistinct, type AliasTable } from './sample.js';
import { defineScheduler, type BackendView } from './types.js';
import { seedFrom } from './rng.js';

const ewmaParams = declareParams({
  decay: num(10, 'τ, seconds: how fast old response times are forgotten', { minimum: 0.001 }),
  defaultRtt: num(30, 'initial cost of a backend, ms', { minimum: 0 }),
});
export type EwmaParams = ReturnType<typeof ewmaParams.parse>;

export interface Estimate {
  cost: number;
  stamp: number;
}

interface State {
  seed: number;
  alias: AliasTable;
  est: Map<string, Estimate>;
}

/** Finagle's observe(): peak on a higher sample, else exponentially weighted with w = e^(−Δt/τ). */
export function observe(e: Estimate, rtt: number, now: number, tauMs: number): void {
  const w = Math.exp(-Math.max(now - e.stamp, 0) / tauMs);
  e.cost = rtt > e.cost ? rtt : e.cost * w + rtt * (1 - w);
  e.stamp = now;
}

export const ewma = defineScheduler<EwmaParams, State>({
  name: 'ewma',
  family: 'dynamic',
  hashing: false,
  ...ewmaParams,
  create: (p, rng) => {
    const tau = p.decay * 1000;
    const drawn: BackendView[] = [];
    const estimate = (st: State, id: string, now: number): Estimate => {
      let e = st.est.get(id);
      if (e === undefined) {
        e = { cost: p.defaultRtt, stamp: now };
        st.est.set(id, e);
      }
      return e;
    };
    /** Reading the load first decays the cost (an observation of 0), as Finagle does. */
    const load = (st: State, b: BackendView, now: number): number => {
      const e = estimate(st, b.id, now);
      observe(e, 0, now, tau);
      return e.cost * (b.active + 1);
    };
    return {
      init(backends, now): State {
        const est = new Map<string, Estimate>();
        for (const b of backends) est.set(b.id, { cost: p.defaultRtt, stamp: now });
        return { seed: seedFrom(rng), alias: buildAlias(backends, false), est };
      },
      pick(ctx, backends, st) {
        const got = drawDistinct(st.alias, st, backends, 2, ctx.avoid, drawn, false);
        if (got === 0) return null;
        const a = drawn[0]!;
        if (got === 1) return a;
        const b = drawn[1]!;
        // score = load / weight, compared cross-multiplied; ties → the first drawn
        return load(st, b, ctx.now) * a.weight < load(st, a, ctx.now) * b.weight ? b : a;
      },
      onEnd(st, b, rttMs, _ok, now) {
        observe(estimate(st, b.id, now), rttMs, now, tau);
      },
      onBackendsChanged(st, backends, now) {
        const keep = new Set(backends.map((b) => b.id));
        for (const id of [...st.est.keys()]) if (!keep.has(id)) st.est.delete(id);
        for (const b of backends) estimate(st, b.id, now);
        st.alias = buildAlias(backends, false);
        return st;
      },
    };
  },
});
