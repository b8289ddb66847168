// p2c — power of two choices, least request (schedulers.md §15): draw `choices` distinct eligible
// backends with probability proportional to weight; the smallest active/weight wins, ties to the
// first drawn. Seeded: the random stream lives in the state, seeded from the injected Rng.
import { num } from './params.js';
import { buildAlias, drawDistinct, type AliasTable } from './sample.js';
import { argmin } from './select.js';
import { defineScheduler, type BackendView } from './types.js';
import { seedFrom } from './rng.js';

export interface P2cParams {
  choices: number;
}

interface State {
  seed: number;
  alias: AliasTable;
}

export const p2c = defineScheduler<P2cParams, State>({
  name: 'p2c',
  family: 'dynamic',
  hashing: false,
  params: ['choices'],
  parse: (raw, at, problems) => ({ choices: num(raw, 'choices', at, problems, 2, { integer: true, min: 2, max: 16 }) }),
  create: (p, rng) => {
    const drawn: BackendView[] = [];
    return {
      init: (backends): State => ({ seed: seedFrom(rng), alias: buildAlias(backends, true) }),
      pick(ctx, backends, st) {
        const got = drawDistinct(st.alias, st, backends, p.choices, ctx.avoid, drawn, true);
        return argmin(drawn, ctx.avoid, 'in-flight', true, got);
      },
      onBackendsChanged(st, backends) {
        st.alias = buildAlias(backends, true);
        return st;
      },
    };
  },
});
