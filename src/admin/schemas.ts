// JSON schemas (TypeBox → plain JSON Schema for fastify's ajv and serializer) of every admin
// API input and output.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MisroutesOut, ShadowOut } from './watch-schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Every admin API error (src/admin/errors.ts): `code` from src/errors.ts, `path` the input at fault. */
export const ErrorBody = Type.Object({
  error: Type.String(),
  statusCode: Type.Integer(),
  code: Type.String(),
  path: Type.Optional(Type.String()),
  problems: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const PoolParams = Type.Object({ pool: Type.String({ minLength: 1, maxLength: 200 }) });
export const BackendParams = Type.Object({
  pool: Type.String({ minLength: 1, maxLength: 200 }),
  id: Type.String({ minLength: 1, maxLength: 300 }),
});

const Weight = Type.Integer({ minimum: 0, maximum: 65535 });
export const AdminStateSchema = Type.Union([Type.Literal('active'), Type.Literal('drain'), Type.Literal('disabled')]);

export const AddBackendBody = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: 2048 }), weight: Type.Optional(Weight), backup: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type AddBackendBody = Static<typeof AddBackendBody>;

export const PatchBackendBody = Type.Object(
  { weight: Type.Optional(Weight), state: Type.Optional(AdminStateSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchBackendBody = Static<typeof PatchBackendBody>;

export const ExplainBody = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 20, pattern: '^[A-Za-z]+$' }),
    url: Type.String({ minLength: 1, maxLength: 8192 }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    clientIp: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type ExplainBody = Static<typeof ExplainBody>;

export const LiveFigures = Type.Object({
  rps: Type.Number(),
  errorRate: Type.Number(),
  p50: Nullable(Type.Number()),
  p99: Nullable(Type.Number()),
  hitRatio: Nullable(Type.Number()),
  hitRatioTotal: Nullable(Type.Number()),
});

export const HealthOut = Type.Object({
  checking: Type.Boolean(),
  lastCheck: Nullable(Type.Object({ at: Type.Number(), ok: Type.Boolean(), detail: Type.String(), ms: Type.Number() })),
  okStreak: Type.Integer(),
  failStreak: Type.Integer(),
  consecutiveFailures: Type.Integer(),
  ejectedUntil: Type.Number(),
  ejections: Type.Integer(),
  slowStart: Nullable(Type.Object({ since: Type.Number(), weight: Type.Number(), of: Type.Number() })),
});

export const BackendOut = Type.Object({
  id: Type.String(),
  url: Type.String(),
  /** Takes work only while no primary backend of the pool is available. */
  backup: Type.Boolean(),
  state: Type.String(),
  adminState: Type.String(),
  weight: Type.Integer(),
  configWeight: Type.Integer(),
  active: Type.Integer(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  failures: Type.Integer(),
  ejections: Type.Integer(),
  healthy: Type.Boolean(),
  keys: Type.Integer(),
  reason: Type.String(),
  live: Nullable(LiveFigures),
  /** Active checks, passive ejection and slow start, when the health manager tracks this backend. */
  health: Nullable(HealthOut),
});
export type BackendOut = Static<typeof BackendOut>;

export const PoolOut = Type.Object({
  name: Type.String(),
  scheduler: Type.String(),
  /** True when the scheduler decides on the request's hash key. */
  hashing: Type.Boolean(),
  hashKey: Type.String(),
  affinity: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  inFlight: Type.Integer(),
  /** Which backends take new work now: 'primary', 'backup' (no primary available) or 'none'. */
  serving: Type.Union([Type.Literal('primary'), Type.Literal('backup'), Type.Literal('none')]),
  /** The pool that takes the requests while this one has no available backend. */
  fallback: Nullable(Type.String()),
  /** The answer in place of the plain 503 when nothing is available. */
  sorry: Nullable(Type.Object({ status: Type.Integer(), contentType: Type.String(), body: Type.String() })),
  backends: Type.Array(BackendOut),
  shadow: Type.Optional(ShadowOut),
  misroutes: Type.Optional(MisroutesOut),
});
export type PoolOut = Static<typeof PoolOut>;

export const StatusOut = Type.Object({
  name: Type.Literal('switchyard'),
  version: Type.String(),
  pid: Type.Integer(),
  startedAt: Type.String(),
  uptime: Type.Number(),
  configVersion: Type.Integer(),
  configFile: Nullable(Type.String()),
  listeners: Type.Array(Type.String()),
  pools: Type.Integer(),
  backends: Type.Integer(),
  inFlight: Type.Integer(),
  auth: Type.Boolean(),
  /** node:cluster worker id when running as one of several workers (each has its own admin view). */
  worker: Nullable(Type.Integer()),
});

export const RouteOut = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  /** Absent for a route that answers itself. */
  pool: Type.Optional(Type.String()),
  match: Type.String(),
  /** `pool <name>`, `redirect <status> <to>` or `respond <status>` (pipeline/route-actions.ts actionOf). */
  action: Type.String(),
  /** Rewrite, header edits and body limit, when the route has any. */
  details: Type.Optional(Type.String()),
  /** e.g. `10/s burst 20 by client` (src/admin/rate-view.ts). */
  rateLimit: Type.Optional(Type.String()),
  /** Requests refused with 429 by the rate limit since start. */
  rateLimited: Type.Optional(Type.Integer()),
});
export type RouteOut = Static<typeof RouteOut>;

/** A certificate a TLS listener serves (src/listen/certs.ts CertInfo). */
export const CertificateOut = Type.Object({
  listener: Type.String(),
  names: Type.Array(Type.String()),
  notAfter: Type.String({ description: 'ISO date' }),
  expired: Type.Boolean(),
  serial: Type.String(),
  file: Type.String(),
  at: Type.String({ description: 'key path in the config' }),
});

export const ReloadOut = Type.Object({
  ok: Type.Boolean(),
  configVersion: Type.Integer(),
  changes: Type.Array(Type.String()),
  /** Runtime changes the reload kept (docs/admin.md#runtime-changes-and-reloads). */
  kept: Type.Array(Type.String()),
  problems: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
});

/** Query strings arrive as text: digits only (parsed by the handler). */
export const Digits = Type.String({ pattern: '^[0-9]{1,9}$' });

export const AffinityQuery = Type.Object(
  { limit: Type.Optional(Digits), pool: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const AffinityOut = Type.Object({
  entries: Type.Integer(),
  maxEntries: Type.Integer(),
  byKind: Type.Record(Type.String(), Type.Integer()),
  hits: Type.Integer(),
  misses: Type.Integer(),
  evictions: Type.Integer(),
  expirations: Type.Integer(),
  store: Type.String(),
  list: Type.Array(
    Type.Object({
      kind: Type.String(),
      pool: Type.String(),
      client: Type.String(),
      backend: Type.String(),
      expiresIn: Type.Union([Type.Number(), Type.Null()]),
      live: Type.Integer(),
    }),
  ),
});

/** Explanations have a nested, evolving shape: checked loosely, passed through whole. */
export const ExplainOut = Type.Object({ method: Type.String(), status: Type.Integer() }, { additionalProperties: true });
