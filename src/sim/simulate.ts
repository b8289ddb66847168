// One simulation: every scheduler on every cluster size over the same workload, plus the ideal
// (one LRU of N·C), wrr's throughput as the speed-up baseline and each scheduler's remap fraction.
import { getScheduler } from '../schedulers/registry.js';
import { idealHitRatio } from './ideal.js';
import { remapFraction } from './remap.js';
import { runScheduler, weightFor, windowFor, type ClusterOptions, type RunResult } from './run.js';
import type { SchedulerSpec } from './spec.js';
import type { Workload } from './workload.js';

export interface SimConfig {
  schedulers: SchedulerSpec[];
  /** Cluster sizes to run (e.g. [8] or [1, 2, 4, 8, 16]). */
  backends: number[];
  cache: number;
  warmup: number;
  window?: number;
  weight?: number;
  seed: number;
  /** Keys placed by the remap measurement (the workload's first ones). */
  remapKeys: number;
  /** Called with the number of requests just simulated. */
  onProgress?: (done: number) => void;
}

/** One scheduler's figures in the report (and in `--json`). */
export interface ResultRow
  extends Pick<RunResult, 'scheduler' | 'backends' | 'hitRatio' | 'byteHitRatio' | 'requestImbalance' | 'workImbalance' | 'throughput' | 'meanResponseMs' | 'unserved'> {
  /** throughput / wrr's at the same N; null when wrr is not registered. */
  speedup: number | null;
  /** Share of keys that move when one backend is removed; null for N = 1. */
  remapFraction: number | null;
}

export interface ClusterFacts {
  backends: number;
  window: number;
  /** Backend weight for most schedulers, and for lblc/lblcr (capacities in connections). */
  weight: number;
  capacityWeight: number;
  idealHitRatio: number;
  wrrThroughput: number | null;
}

export interface SimReport {
  workload: Record<string, unknown>;
  results: ResultRow[];
  /** Per-run detail for charts (per-backend figures, hit ratio over the stream); not in --json. */
  detail: RunResult[];
}

export function totalWork(w: Workload, c: SimConfig): number {
  const hasWrr = c.schedulers.some((s) => s.def.name === 'wrr' && s.label === 'wrr');
  const baseline = !hasWrr && getScheduler('wrr') ? 1 : 0;
  return w.stream.length * c.backends.length * (c.schedulers.length + baseline);
}

export function simulate(w: Workload, c: SimConfig): SimReport {
  const results: ResultRow[] = [];
  const detail: RunResult[] = [];
  const clusters: ClusterFacts[] = [];
  const sample = w.keys.slice(0, c.remapKeys);
  for (const n of c.backends) {
    const o: ClusterOptions = {
      backends: n, cache: c.cache, warmup: c.warmup, seed: c.seed,
      ...(c.window !== undefined ? { window: c.window } : {}), ...(c.weight !== undefined ? { weight: c.weight } : {}),
    };
    const runs = c.schedulers.map((s) => ({ s, r: runScheduler(w, s, o, c.onProgress) }));
    let wrrThroughput: number | null = runs.find((x) => x.s.label === 'wrr')?.r.throughput ?? null;
    const wrr = getScheduler('wrr');
    if (wrrThroughput === null && wrr) {
      wrrThroughput = runScheduler(w, { label: 'wrr', def: wrr, params: wrr.parse({}, 'wrr', []) }, o, c.onProgress).throughput;
    }
    clusters.push({
      backends: n, window: windowFor(o), weight: weightFor(o, 'wrr'), capacityWeight: weightFor(o, 'lblc'),
      idealHitRatio: idealHitRatio(w, n * c.cache, c.warmup), wrrThroughput,
    });
    for (const { s, r } of runs) {
      detail.push(r);
      results.push({
        scheduler: s.label, backends: n,
        hitRatio: r.hitRatio, byteHitRatio: r.byteHitRatio,
        requestImbalance: r.requestImbalance, workImbalance: r.workImbalance,
        throughput: r.throughput,
        speedup: wrrThroughput ? r.throughput / wrrThroughput : null,
        remapFraction: remapFraction(s, n, weightFor(o, s.def.name), sample, c.seed, windowFor(o)) ?? null,
        meanResponseMs: r.meanResponseMs, unserved: r.unserved,
      });
    }
  }
  return {
    workload: {
      ...w.info, cache: c.cache, warmup: c.warmup, measured: Math.max(0, w.stream.length - c.warmup),
      seed: c.seed, remapKeys: sample.length, clusters,
    },
    results, detail,
  };
}
