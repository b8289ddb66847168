// The scheduler contract (docs/schedulers.md#common-model). Decisions are synchronous and pure:
// no I/O, no timers, no clock (time arrives as `now`), randomness only from the injected Rng.

import type { TObject } from '@sinclair/typebox';

export type BackendStatus = 'active' | 'drain' | 'disabled' | 'down';

/** What a scheduler sees of one backend. Pools pass their live backend objects (no copies). */
export interface BackendView {
  /** `host:port`; also the name hashed by mh / chbl. */
  readonly id: string;
  /** Effective weight 0..65535 (0 when drained; slow start may ramp it). */
  readonly weight: number;
  /** Last weight > 0 ever set (IPVS keeps it for mh). */
  readonly lastWeight: number;
  readonly state: BackendStatus;
  /** HTTP: requests in flight; raw TCP: established proxied connections. */
  readonly active: number;
  /** Raw TCP: connections half-closed or closing; HTTP: always 0. */
  readonly inactive: number;
  /** IPVS -x/-y connection thresholds (docs/schedulers.md#connection-thresholds). */
  readonly overloaded: boolean;
}

export interface PickContext {
  /** The pool's hashKey value for this request; undefined when the request lacks it. */
  key: string | undefined;
  clientIp: string;
  clientPort: number;
  /** Milliseconds (monotonic or wall clock, but consistent within a pool). */
  now: number;
  /** Backends already tried for this request (retries): treat them as not eligible. */
  avoid?: ReadonlySet<string>;
}

export interface Problem {
  /** Key path, e.g. `pools.images.balanceFactor`. */
  path: string;
  message: string;
}

/** Seeded random source: returns a float in [0, 1). */
export type Rng = () => number;

/**
 * One scheduler instance per pool. State S is plain data (Maps/arrays/numbers) so that
 * `explain` can run `pick` on a structuredClone of it without moving any cursor.
 */
export interface Scheduler<S = SchedulerState> {
  /** Build tables/rings/maps for the given ordered backend list. */
  init(backends: readonly BackendView[], now: number): S;
  pick(ctx: PickContext, backends: readonly BackendView[], state: S): BackendView | null;
  /** A request/connection was dispatched to b (after b.active was incremented). */
  onStart?(state: S, b: BackendView, now: number): void;
  /** It completed (after b.active was decremented). */
  onEnd?(state: S, b: BackendView, rttMs: number, ok: boolean, now: number): void;
  /** Membership, weight or status changed. Returns the (possibly new) state. */
  onBackendsChanged?(state: S, backends: readonly BackendView[], now: number): S;
  /** Router-side admission bound on the pool's in-flight total (LARD's S); undefined = none. */
  admissionLimit?(state: S, backends: readonly BackendView[]): number | undefined;
}

declare const hidden: unique symbol;
/**
 * A scheduler's state as its users hold it: opaque. It can only come from that instance's `init` /
 * `onBackendsChanged` (or be a structuredClone of such a value), and only be handed back to it.
 */
export type SchedulerState = { readonly [hidden]: 'scheduler state' };

export type Family = 'static' | 'dynamic' | 'locality';

export interface SchedulerDef<P = unknown> {
  name: string;
  aliases?: readonly string[];
  family: Family;
  /** True when decisions depend on the request's hash key (default hashKey 'path'). */
  hashing: boolean;
  /** Default hashKey when the pool sets none (e.g. 'client-ip' for sh). */
  defaultHashKey?: string;
  /** Pool keys this scheduler accepts beside `scheduler` (from `paramSchema`, src/schedulers/params.ts). */
  params: readonly string[];
  /** The parameters' one declaration: types, defaults, limits, descriptions. */
  paramSchema: TObject;
  /** Validate the pool's raw params; push problems (path = `${at}.${key}`) and return parsed params. */
  parse(raw: Readonly<Record<string, unknown>>, at: string, problems: Problem[]): P;
  create(params: P, rng: Rng): Scheduler<SchedulerState>;
}

/** A definition as a scheduler file writes it: its instances keep state of their own type S. */
export type TypedSchedulerDef<P, S> = Omit<SchedulerDef<P>, 'create'> & {
  create(params: P, rng: Rng): Scheduler<S>;
};

/**
 * Register-ready definition from a spec. The one place state is erased: an instance is only ever
 * handed the state its own init / onBackendsChanged returned (SchedulerState cannot be made
 * otherwise), so S stays exact inside the scheduler file and needs no cast there.
 */
export function defineScheduler<P, S>(spec: TypedSchedulerDef<P, S>): SchedulerDef<P> {
  return spec as unknown as SchedulerDef<P>;
}

/** eligible(b) ⇔ available ∧ weight > 0 ∧ ¬overloaded ∧ not avoided (docs/schedulers.md#eligibility-drain-and-down). */
export function eligible(b: BackendView, avoid?: ReadonlySet<string>): boolean {
  return b.state === 'active' && b.weight > 0 && !b.overloaded && (avoid === undefined || !avoid.has(b.id));
}

/** Available = in the list and not down/disabled (drained backends stay in hash tables). */
export function available(b: BackendView): boolean {
  return b.state === 'active' || b.state === 'drain';
}
