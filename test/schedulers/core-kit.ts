// Test kit for the scheduler unit tests: mutable backend views and a small harness around one
// scheduler instance (parse → create → init → pick / change / start / end).
import fc from 'fast-check';
import { expect } from 'vitest';
import { seededRng } from '../../src/schedulers/rng.js';
import type { BackendStatus, BackendView, PickContext, Problem, Scheduler, SchedulerDef, SchedulerState } from '../../src/schedulers/types.js';

export interface TB {
  id: string;
  weight: number;
  lastWeight: number;
  state: BackendStatus;
  active: number;
  inactive: number;
  overloaded: boolean;
}

export const mk = (id: string, weight = 1, state: BackendStatus = 'active'): TB =>
  ({ id, weight, lastWeight: weight > 0 ? weight : 1, state, active: 0, inactive: 0, overloaded: false });

/** n backends named 10.0.0.<i>:80 with the given weights (default 1). */
export const many = (n: number, weight: (i: number) => number = () => 1): TB[] =>
  Array.from({ length: n }, (_, i) => mk(`10.0.${i >> 8}.${i & 255}:80`, weight(i)));

export const drain = (b: TB): void => {
  b.state = 'drain';
  b.weight = 0;
};

export function parseOk<P>(def: SchedulerDef<P>, raw: Record<string, unknown> = {}): P {
  const problems: Problem[] = [];
  const p = def.parse(raw, 'pools.p', problems);
  expect(problems).toEqual([]);
  return p;
}

export class Harness<P> {
  readonly s: Scheduler<SchedulerState>;
  st: SchedulerState;
  now = 0;
  clientIp = '192.168.1.10';
  clientPort = 40000;

  constructor(def: SchedulerDef<P>, public bs: TB[], raw: Record<string, unknown> = {}, seed = 1) {
    this.s = def.create(parseOk(def, raw), seededRng(seed));
    this.st = this.s.init(bs, this.now);
  }

  /** A peek at the scheduler's private state, for white-box checks of its tables. */
  state<T>(): T {
    return this.st as unknown as T;
  }

  pick(key?: string, extra: Partial<PickContext> = {}): BackendView | null {
    const ctx: PickContext = { key, clientIp: this.clientIp, clientPort: this.clientPort, now: this.now, ...extra };
    return this.s.pick(ctx, this.bs, this.st);
  }

  id(key?: string, extra: Partial<PickContext> = {}): string | null {
    return this.pick(key, extra)?.id ?? null;
  }

  /** The pool's notification after a membership, weight or state change. */
  changed(): void {
    this.st = this.s.onBackendsChanged ? this.s.onBackendsChanged(this.st, this.bs, this.now) : this.s.init(this.bs, this.now);
  }

  /** pick and dispatch (active++), as the pool does; returns the chosen backend or null. */
  dispatch(key?: string): TB | null {
    const b = this.pick(key) as TB | null;
    if (b) {
      b.active++;
      this.s.onStart?.(this.st, b, this.now);
    }
    return b;
  }

  complete(b: TB, rttMs: number, ok = true): void {
    b.active--;
    this.s.onEnd?.(this.st, b, rttMs, ok, this.now);
  }
}

/** Short letter names a, b, c, … for golden sequences. */
export const letters = (n: number, weights: number[]): TB[] =>
  Array.from({ length: n }, (_, i) => mk(String.fromCharCode(97 + i), weights[i] ?? 1));

const states = fc.constantFrom('active', 'drain', 'down', 'disabled') as fc.Arbitrary<TB['state']>;
/** 1–8 backends with random weights, loads, states and overload flags. */
export const backendsArb = fc.array(
  fc.record({ w: fc.integer({ min: 0, max: 5 }), a: fc.integer({ min: 0, max: 20 }), i: fc.integer({ min: 0, max: 600 }), s: states, o: fc.boolean() }),
  { minLength: 1, maxLength: 8 },
).map((xs) => xs.map((x, k) => ({ ...mk(`b${k}`, x.s === 'drain' ? 0 : x.w, x.s), active: x.a, inactive: x.i, overloaded: x.o && k % 3 === 0 })));
export const isEligible = (b: TB): boolean => b.state === 'active' && b.weight > 0 && !b.overloaded;
