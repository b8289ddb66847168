// Drives one registered scheduler, through the real Scheduler interface, over a workload on the
// cluster model of docs/simulator.md#backend-and-front-end-model (closed loop with W outstanding, or open loop at the
// workload's arrival times with at most W outstanding and a FIFO at the front-end).
import { seededRng } from '../schedulers/rng.js';
import type { PickContext } from '../schedulers/types.js';
import { makeBackends, Node, type BackendStats, type SimBackend } from './cluster.js';
import { EventHeap } from './heap.js';
import type { SchedulerSpec } from './spec.js';
import type { Workload } from './workload.js';

export interface ClusterOptions {
  backends: number;
  /** LRU capacity per backend, bytes. */
  cache: number;
  /** Requests not measured at the start of the stream. */
  warmup: number;
  /** Requests kept outstanding; default (N−1)·65 + 25 − 1 (LARD's S). */
  window?: number;
  /**
   * Every backend's weight. Default: 1, except ⌈W/N⌉ for lblc and lblcr, whose weights are
   * capacities in connections (docs/schedulers.md#lblc-locality-based-least-connection, docs/simulator.md#target-numbers). Other schedulers treat equal weights
   * alike whatever their size — except sh and dh, whose tables give each backend `weight`
   * consecutive buckets, so large weights would leave some backends without any.
   */
  weight?: number;
  seed: number;
}

export interface RunResult {
  scheduler: string;
  backends: number;
  hitRatio: number;
  byteHitRatio: number;
  requestImbalance: number;
  workImbalance: number;
  /** Measured requests / simulated seconds. */
  throughput: number;
  meanResponseMs: number;
  /** Requests the scheduler refused (pick returned null). */
  unserved: number;
  perBackend: BackendStats[];
  /** Hit ratio per 1 % of the stream, warm-up included (for charts). */
  hitSeries: number[];
}

export const lardWindow = (n: number): number => (n - 1) * 65 + 25 - 1;

export function windowFor(o: ClusterOptions): number {
  return Math.max(1, o.window ?? lardWindow(o.backends));
}

const CAPACITY_WEIGHTED = new Set(['lblc', 'lblcr']);

export function weightFor(o: ClusterOptions, scheduler: string): number {
  return o.weight ?? (CAPACITY_WEIGHTED.has(scheduler) ? Math.ceil(windowFor(o) / o.backends) : 1);
}

const maxOver = (xs: number[]): number => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean === 0 ? 1 : Math.max(...xs) / mean;
};

export function runScheduler(
  w: Workload, spec: SchedulerSpec, o: ClusterOptions, onProgress?: (done: number) => void,
): RunResult {
  const R = w.stream.length;
  const W = windowFor(o);
  const backends = makeBackends(o.backends, weightFor(o, spec.def.name));
  const nodes = backends.map(() => new Node(o.cache, w.sizes));
  const sched = spec.def.create(spec.params, seededRng(o.seed));
  const state = sched.init(backends, 0);
  const byClient = spec.def.defaultHashKey === 'client-ip';
  const ctx: PickContext = { key: undefined, clientIp: '', clientPort: 0, now: 0 };

  // per in-flight slot
  const slotBackend = new Int32Array(W);
  const slotObject = new Int32Array(W);
  const slotStart = new Float64Array(W);
  const slotDispatch = new Float64Array(W);
  const slotMeasured = new Uint8Array(W);
  const free: number[] = [];
  for (let i = W - 1; i >= 0; i--) free.push(i);

  const buckets = 100;
  const perBucket = Math.max(1, Math.ceil(R / buckets));
  const bucketHits = new Float64Array(buckets);
  const bucketReqs = new Float64Array(buckets);

  const heap = new EventHeap();
  const arrivals = w.arrivals;
  let t = 0;
  let next = 0; // next request to dispatch
  let arrived = arrivals ? 0 : R; // requests that have arrived at the front-end
  let outstanding = 0;
  let unserved = 0;
  let t0 = -1;
  let tEnd = 0;
  let measuredDone = 0;
  let respSum = 0;

  const dispatch = (r: number): void => {
    const id = w.stream[r]!;
    const ip = w.clientIps[w.clients[r]!]!;
    ctx.key = byClient ? ip : w.keys[id];
    ctx.clientIp = ip;
    ctx.clientPort = 1024 + (r & 0xffff) % 64000;
    ctx.now = t;
    const measured = r >= o.warmup;
    if (measured && t0 < 0) t0 = t;
    const b = sched.pick(ctx, backends, state) as SimBackend | null;
    if (b === null) {
      unserved++;
      return;
    }
    b.active++;
    sched.onStart?.(state, b, t);
    outstanding++;
    const node = nodes[b.index]!;
    const size = w.sizes[id]!;
    const cpuAt = node.dispatch(id, size, t, measured);
    const k = Math.min(buckets - 1, Math.floor(r / perBucket));
    bucketReqs[k]!++;
    if (node.lastHit) bucketHits[k]!++;
    const slot = free.pop()!;
    slotBackend[slot] = b.index;
    slotObject[slot] = id;
    slotStart[slot] = arrivals ? arrivals[r]! : t;
    slotDispatch[slot] = t;
    slotMeasured[slot] = measured ? 1 : 0;
    if (node.lastHit) heap.push(node.cpu(size, t), slot * 2 + 1);
    else heap.push(cpuAt, slot * 2);
  };

  const fill = (): void => {
    while (outstanding < W && next < arrived) dispatch(next++);
  };

  let reported = 0;
  fill();
  for (;;) {
    const te = heap.size > 0 ? heap.peekTime()! : Infinity;
    const ta = arrived < R ? arrivals![arrived]! : Infinity;
    if (te === Infinity && ta === Infinity) break;
    if (ta <= te) {
      t = ta;
      arrived++;
      fill();
      continue;
    }
    const v = heap.pop();
    t = heap.lastTime;
    const slot = v >> 1;
    const b = backends[slotBackend[slot]!]!;
    if ((v & 1) === 0) {
      heap.push(nodes[b.index]!.cpu(w.sizes[slotObject[slot]!]!, t), slot * 2 + 1);
      continue;
    }
    b.active--;
    outstanding--;
    sched.onEnd?.(state, b, t - slotDispatch[slot]!, true, t);
    if (slotMeasured[slot] === 1) {
      measuredDone++;
      respSum += t - slotStart[slot]!;
      tEnd = t;
    }
    free.push(slot);
    fill();
    if (onProgress && next - reported >= 20_000) {
      onProgress(next - reported);
      reported = next;
    }
  }
  if (onProgress && next > reported) onProgress(next - reported);

  const stats = nodes.map((n) => ({ ...n.stats }));
  const req = stats.reduce((a, s) => a + s.requests, 0);
  const hits = stats.reduce((a, s) => a + s.hits, 0);
  const bytes = stats.reduce((a, s) => a + s.bytes, 0);
  const hitBytes = stats.reduce((a, s) => a + s.hitBytes, 0);
  const span = (tEnd - Math.max(0, t0)) / 1000;
  return {
    scheduler: spec.label,
    backends: o.backends,
    hitRatio: req === 0 ? 0 : hits / req,
    byteHitRatio: bytes === 0 ? 0 : hitBytes / bytes,
    requestImbalance: maxOver(stats.map((s) => s.requests)),
    workImbalance: maxOver(stats.map((s) => s.work)),
    throughput: span > 0 ? measuredDone / span : 0,
    meanResponseMs: measuredDone === 0 ? 0 : respSum / measuredDone,
    unserved,
    perBackend: stats,
    hitSeries: Array.from(bucketHits, (h, i) => (bucketReqs[i]! === 0 ? 0 : h / bucketReqs[i]!)),
  };
}
