// Remap fraction: the share of keys whose backend changes when one backend is removed. A fresh
// scheduler places each sample key in turn while the cluster carries the simulation's load: every
// placement stays in flight until `window` later placements have been made (a closed loop with
// FIFO completions), so load-aware schedulers spread keys as they do in the run instead of piling
// them on the first idle backend. Then one backend is removed (the pool's onBackendsChanged, or
// init when the scheduler has none), the in-flight work drains, and the same keys are placed again.
// Averaged over every backend removed in turn (at most 32, spread over the list).
import { seededRng } from '../schedulers/rng.js';
import type { PickContext, SchedulerState } from '../schedulers/types.js';
import { makeBackends, type SimBackend } from './cluster.js';
import type { SchedulerSpec } from './spec.js';

function place(
  spec: SchedulerSpec, sched: ReturnType<SchedulerSpec['def']['create']>, state: SchedulerState,
  backends: readonly SimBackend[], keys: readonly string[], now: number, window: number,
): Int32Array {
  const byClient = spec.def.defaultHashKey === 'client-ip';
  const out = new Int32Array(keys.length);
  const ctx: PickContext = { key: undefined, clientIp: '', clientPort: 0, now };
  const inFlight: SimBackend[] = [];
  let head = 0;
  const complete = (): void => {
    const b = inFlight[head++]!;
    b.active--;
    sched.onEnd?.(state, b, 1, true, now);
  };
  for (let i = 0; i < keys.length; i++) {
    if (inFlight.length - head >= window) complete();
    const ip = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    ctx.key = byClient ? ip : keys[i];
    ctx.clientIp = ip;
    ctx.clientPort = 1024 + (i % 64000);
    const b = sched.pick(ctx, backends, state) as SimBackend | null;
    if (b === null) {
      out[i] = -1;
      continue;
    }
    b.active++;
    sched.onStart?.(state, b, now);
    inFlight.push(b);
    out[i] = b.index;
  }
  while (head < inFlight.length) complete();
  return out;
}

/** undefined when there is nothing to remove (N = 1). */
export function remapFraction(
  spec: SchedulerSpec, n: number, weight: number, keys: readonly string[], seed: number, window: number,
): number | undefined {
  if (n < 2 || keys.length === 0) return undefined;
  const trials = Math.min(n, 32);
  let sum = 0;
  for (let k = 0; k < trials; k++) {
    const removed = Math.floor((k * n) / trials);
    const backends = makeBackends(n, weight);
    const sched = spec.def.create(spec.params, seededRng(seed));
    let state = sched.init(backends, 0);
    const before = place(spec, sched, state, backends, keys, 0, window);
    const rest = backends.filter((b) => b.index !== removed);
    state = sched.onBackendsChanged ? sched.onBackendsChanged(state, rest, 1) : sched.init(rest, 1);
    const after = place(spec, sched, state, rest, keys, 1, window);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) if (before[i] !== after[i]) moved++;
    sum += moved / keys.length;
  }
  return sum / trials;
}
