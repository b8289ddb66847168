// Test kit for the locality schedulers (lblc, lblcr, chbl, lard, lard-r): mutable backend views
// and a harness around one scheduler instance that dispatches and completes requests.
import { expect } from 'vitest';
import { seededRng } from '../../src/schedulers/rng.js';
import type { TB } from './core-kit.js';
import type { PickContext, Problem, Scheduler, SchedulerDef, SchedulerState } from '../../src/schedulers/types.js';

/** A mutable backend view (the same shape as core-kit's). */
export type B = TB;

export const backend = (id: string, weight = 1): B =>
  ({ id, weight, lastWeight: weight > 0 ? weight : 1, state: 'active', active: 0, inactive: 0, overloaded: false });

/** n backends 10.0.0.<i>:80 (weights default 1). */
export const backends = (n: number, weight: (i: number) => number = () => 1): B[] =>
  Array.from({ length: n }, (_, i) => backend(`10.0.0.${i + 1}:80`, weight(i)));

export const drain = (b: B): void => {
  b.state = 'drain';
  b.weight = 0;
};
export const undrain = (b: B): void => {
  b.state = 'active';
  b.weight = b.lastWeight;
};

export function parse<P>(def: SchedulerDef<P>, raw: Record<string, unknown> = {}): { params: P; problems: Problem[] } {
  const problems: Problem[] = [];
  const params = def.parse(raw, 'pools.p', problems);
  return { params, problems };
}

export class H<P> {
  readonly s: Scheduler<SchedulerState>;
  st: SchedulerState;
  now = 0;

  constructor(def: SchedulerDef<P>, public bs: B[], raw: Record<string, unknown> = {}) {
    const { params, problems } = parse(def, raw);
    expect(problems).toEqual([]);
    this.s = def.create(params, seededRng(1));
    this.st = this.s.init(bs, this.now);
  }

  ctx(key: string | undefined, extra: Partial<PickContext> = {}): PickContext {
    return { key, clientIp: '192.0.2.1', clientPort: 5000, now: this.now, ...extra };
  }

  /** Pick without dispatching. */
  pick(key: string | undefined, extra: Partial<PickContext> = {}): B | null {
    return this.s.pick(this.ctx(key, extra), this.bs, this.st) as B | null;
  }

  /** Pick on a copy of the state (as `explain` does). */
  peek(key: string | undefined): B | null {
    return this.s.pick(this.ctx(key), this.bs, structuredClone(this.st)) as B | null;
  }

  /** Pick and dispatch (active++ then onStart). */
  start(key: string | undefined): B | null {
    const b = this.pick(key);
    if (b !== null) {
      b.active++;
      this.s.onStart?.(this.st, b, this.now);
    }
    return b;
  }

  end(b: B): void {
    b.active--;
    this.s.onEnd?.(this.st, b, 1, true, this.now);
  }

  /** The list or a backend's state changed: tell the scheduler. */
  changed(bs: B[] = this.bs): void {
    this.bs = bs;
    if (this.s.onBackendsChanged) this.st = this.s.onBackendsChanged(this.st, bs, this.now);
  }

  admission(): number | undefined {
    return this.s.admissionLimit?.(this.st, this.bs);
  }

  /** A peek at private state, for white-box checks of tables. */
  state<T>(): T {
    return this.st as unknown as T;
  }
}

/** Set loads by id order. */
export function loads(bs: B[], ...xs: number[]): void {
  xs.forEach((x, i) => {
    bs[i]!.active = x;
  });
}

export const keys = (n: number, prefix = '/obj/'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
