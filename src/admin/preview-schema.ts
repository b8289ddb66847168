// Schemas of the reload preview's answer (POST /api/reload?dryRun=1; src/runtime/preview.ts) and of
// GET /api/config (src/admin/config-view.ts).
import { Type, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Problems = Type.Array(Type.Object({ path: Type.String(), message: Type.String() }));

const RouteBrief = Type.Object({ name: Type.String(), position: Type.Integer(), pool: Type.Union([Type.String(), Type.Null()]), match: Type.String() });

export const PreviewOut = Type.Object({
  routes: Type.Object({
    added: Type.Array(RouteBrief),
    removed: Type.Array(RouteBrief),
    changed: Type.Array(Type.Object({ before: RouteBrief, after: RouteBrief, fields: Type.Array(Type.String()) })),
    unchanged: Type.Integer(),
  }),
  pools: Type.Array(Type.Object({
    pool: Type.String(),
    change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed'), Type.Literal('unchanged')]),
    fields: Type.Array(Type.String()),
    scheduler: Type.Object({ before: Nullable(Type.String()), after: Nullable(Type.String()), stateKept: Type.Boolean() }),
    backends: Type.Object({
      added: Type.Array(Type.String()),
      removed: Type.Array(Type.String()),
      reweighted: Type.Array(Type.Object({ id: Type.String(), from: Type.Integer(), to: Type.Integer() })),
    }),
    keys: Type.Object({
      sampled: Type.Integer(),
      moved: Type.Integer(),
      share: Nullable(Type.Number()),
      distinct: Type.Integer(),
      unkeyed: Type.Integer(),
      top: Type.Array(Type.Object({ key: Type.String(), from: Nullable(Type.String()), to: Nullable(Type.String()), requests: Type.Integer() })),
    }),
    pinned: Type.Object({
      entries: Type.Integer(),
      leaving: Type.Integer(),
      byBackend: Type.Array(Type.Object({ backend: Type.String(), entries: Type.Integer() })),
    }),
  })),
});

/** The dry run's answer: `preview` is null when the new config is invalid (then `problems` says why). */
export const DryRunOut = Type.Object({
  dryRun: Type.Literal(true),
  ok: Type.Boolean(),
  configVersion: Type.Integer(),
  problems: Problems,
  preview: Nullable(PreviewOut),
});

export const DryRunQuery = Type.Object(
  { dryRun: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])) },
  { additionalProperties: false },
);

/** A config for the dry run (`check --against`), as src/config/wire.ts encodes it. */
export const DryRunBody = Type.Object({ config: Type.Unknown() }, { additionalProperties: false });

/** The running config; its shape is the config's (docs/configuration.md). */
export const ConfigOut = Type.Record(Type.String(), Type.Unknown());
