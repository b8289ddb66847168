// p2c — power of two choices, least request (docs/schedulers.md#p2c-power-of-two-choices): draw `choices` distinct eligible
// backends with probability proportional to weight; the smallest active/weight wins, ties to the
// first drawn. Seeded: the random stream lives in the state, seeded from the injected Rng.
import { declareParams, int } from './params.js';
import { buildAlias, drawDistinct, type AliasTable } from './sample.js';
import { argmin } from './select.js';
import { defineScheduler, type BackendView } from './types.js';
import { seedFrom } from './rng.js';

const p2cParams = declareParams({
  choices: int(2, 'backends drawn per pick (weighted, distinct); the least loaded of them wins', { minimum: 2, maximum: 16 }),
});
export type P2cParams = ReturnType<typeof p2cParams.parse>;

interface State {
  seed: number;
  alias: AliasTable;
}

export const p2c = defineScheduler<P2cParams, State>({
  name: 'p2c',
  family: 'dynamic',
  hashing: false,
  ...p2cParams,
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
