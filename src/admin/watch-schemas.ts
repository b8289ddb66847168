// Admin API shapes of a pool's shadow scheduler and misroute counter (src/admin/watch.ts).
import { Type } from '@sinclair/typebox';

const Ratio = Type.Union([Type.Number(), Type.Null()]);

export const ShadowOut = Type.Object({
  scheduler: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  cacheBytes: Type.Integer(),
  since: Type.Number({ description: 'ms since epoch: counting started' }),
  decisions: Type.Integer(),
  agreement: Ratio,
  hitRatio: Type.Object({ live: Ratio, shadow: Ratio }),
  sized: Type.Integer(),
  unsized: Type.Integer(),
  backends: Type.Array(Type.Object({ id: Type.String(), live: Type.Number(), shadow: Type.Number() })),
});

export const MisroutesOut = Type.Object({
  expect: Type.Array(Type.String()),
  total: Type.Integer(),
  flagged: Type.Array(Type.String()),
  cells: Type.Array(Type.Object({
    route: Type.String(), backend: Type.String(), count: Type.Integer(), lastType: Type.String(), lastPath: Type.String(), lastAt: Type.Number(),
  })),
  evidence: Type.Array(Type.Object({
    at: Type.Number(), path: Type.String(), learned: Type.String(), expect: Type.Array(Type.String()), route: Type.String(), backend: Type.String(),
  })),
});
