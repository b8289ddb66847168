// p2c — power of two choices, least request (docs/schedulers.md#p2c-power-of-two-choices): draw `choices` distinct eligible
// backends with probability proportional to weight; the smallest active/weight wins, ties to the
// first drawn. Seeded: the random stream lives in the state, seeded from the injected Rng.
import { num } from './params.js';
import { buildAlias, drawDistinct, type AliasTable } from './sample.js';
import type { BackendView, SchedulerDef } from './types.js';
import { seedFrom } from './util.js';

export interface P2cParams {
  choices: number;
}

interface State {
  seed: number;
  alias: AliasTable;
}

export const p2c: SchedulerDef<P2cParams> = {
  name: 'p2c',
  family: 'dynamic',
  hashing: false,
  params: ['choices'],
  parse: (raw, at, problems) => ({ choices: num(raw, 'choices', at, problems, 2, { integer: true, min: 2, max: 16 }) }),
  create: (p, rng) => {
    const drawn: BackendView[] = [];
    return {
      init: (backends): State => ({ seed: seedFrom(rng), alias: buildAlias(backends, true) }),
      pick(ctx, backends, s) {
        const st = s as State;
        const got = drawDistinct(st.alias, st, backends, p.choices, ctx.avoid, drawn, true);
        if (got === 0) return null;
        let best = drawn[0]!;
        for (let j = 1; j < got; j++) {
          const c = drawn[j]!;
          if (c.active * best.weight < best.active * c.weight) best = c;
        }
        return best;
      },
      onBackendsChanged(s, backends) {
        const st = s as State;
        st.alias = buildAlias(backends, true);
        return st;
      },
    };
  },
};
