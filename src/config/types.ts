// The user-facing configuration (routes.config.ts), derived from the one schema in schema.ts:
// the types here cannot disagree with what validate.ts accepts or docs/configuration.md lists.
import type { Static } from '@sinclair/typebox';
import type * as S from './schema.js';
import type { schedulerMap } from './scheduler-map.js';

export type ListenLimits = Static<typeof S.LimitsSchema>;
export type ListenConfig = Static<typeof S.ListenSchema>;
export type AdminConfig = Static<typeof S.AdminSchema>;
export type AffinityConfig = Static<typeof S.AffinitySchema>;
export type HealthConfig = Static<typeof S.HealthSchema>;
export type OutlierConfig = Static<typeof S.OutlierSchema>;
export type BackendConfig = Exclude<Static<typeof S.BackendSchema>, string>;
export type AffinityMode = Static<typeof S.AffinityModeSchema>;
export type MatchConfig = Static<typeof S.MatchSchema>;
export type HeaderMatch = NonNullable<MatchConfig['headers']>[string];
export type LogConfig = Static<typeof S.LogSchema>;

type Flat<T> = { [K in keyof T]: T[K] };
type Schedulers = typeof schedulerMap;
/** A scheduler name or alias (`switchyard check` lists them). */
export type SchedulerName = keyof Schedulers;
/** The parameters a scheduler accepts beside `scheduler`, all optional. */
export type SchedulerParams<N extends SchedulerName> =
  ReturnType<Schedulers[N]['parse']> extends infer P ? (P extends object ? Partial<P> : {}) : never;

type PoolKeys = Omit<Static<typeof S.PoolSchema>, 'scheduler'>;
/** A pool: its own keys, `scheduler`, and that scheduler's parameters (no others). */
export type PoolConfig =
  | { [N in SchedulerName]: Flat<PoolKeys & { scheduler: N } & SchedulerParams<N>> }[SchedulerName]
  | Flat<PoolKeys & { scheduler?: undefined }>;

type RouteKeys = Static<typeof S.RouteSchema>;
export type RouteConfig<P extends string = string> = Flat<Omit<RouteKeys, 'pool'> & { pool?: P }>;

type TcpKeys = Static<typeof S.TcpServiceSchema>;
export type TcpServiceConfig<P extends string = string> = Flat<Omit<TcpKeys, 'pool'> & { pool: P }>;

type TopKeys = Static<typeof S.ConfigSchema>;
/** A whole config; P is the pools' names, which routes and tcp services must name. */
export type SwitchyardConfig<P extends string = string> = Flat<Omit<TopKeys, 'pools' | 'routes' | 'tcp'> & {
  pools: Record<P, PoolConfig>;
  routes: RouteConfig<NoInfer<P>>[];
  tcp?: TcpServiceConfig<NoInfer<P>>[];
}>;
