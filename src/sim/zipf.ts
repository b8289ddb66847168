// Synthetic workload W1 (docs/simulator.md#workload-w1): Zipf-like popularity P(rank i) ∝ i^−α over K objects
// `/obj/<rank>`, lognormal sizes drawn independently of rank, an independent-reference request stream.
import { seededRng } from '../schedulers/rng.js';
import type { Rng } from '../schedulers/types.js';
import { catalogBytes, type Workload } from './workload.js';

export interface ZipfOptions {
  alpha: number;
  objects: number;
  requests: number;
  seed: number;
  /** Lognormal parameters of the size in bytes (SURGE body fit). */
  sizeMu: number;
  sizeSigma: number;
  minSize: number;
  maxSize: number;
  /** Distinct synthetic clients (for client-ip hashing schedulers). */
  clients: number;
  /** Open-loop Poisson arrivals at this rate (req/s); undefined = closed loop. */
  rate?: number;
}

export const W1: ZipfOptions = {
  alpha: 0.9, objects: 100_000, requests: 2_000_000, seed: 1,
  sizeMu: 9.357, sizeSigma: 1.318, minSize: 64, maxSize: 4 * 1024 * 1024, clients: 1000,
};

/** Cumulative distribution of ranks 1..K under P(i) ∝ i^−α (last entry exactly 1). */
export function zipfCdf(alpha: number, objects: number): Float64Array {
  const cdf = new Float64Array(objects);
  let sum = 0;
  for (let i = 0; i < objects; i++) {
    sum += Math.pow(i + 1, -alpha);
    cdf[i] = sum;
  }
  for (let i = 0; i < objects; i++) cdf[i] = cdf[i]! / sum;
  cdf[objects - 1] = 1;
  return cdf;
}

/** Smallest index whose cumulative probability exceeds u (u in [0,1)). */
export function sampleCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Standard normal by Box–Muller (uses two draws; never log(0)). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function zipfWorkload(o: ZipfOptions): Workload {
  if (!(o.objects >= 1) || !Number.isInteger(o.objects)) throw new Error(`objects must be a positive integer, got ${o.objects}`);
  if (!(o.alpha >= 0)) throw new Error(`alpha must be ≥ 0, got ${o.alpha}`);
  const rng = seededRng(o.seed);
  const keys = Array.from({ length: o.objects }, (_, i) => `/obj/${i + 1}`);
  const sizes = new Float64Array(o.objects);
  for (let i = 0; i < o.objects; i++) {
    const s = Math.round(Math.exp(o.sizeMu + o.sizeSigma * normal(rng)));
    sizes[i] = Math.min(o.maxSize, Math.max(o.minSize, s));
  }
  const cdf = zipfCdf(o.alpha, o.objects);
  const stream = new Int32Array(o.requests);
  const clients = new Int32Array(o.requests);
  for (let r = 0; r < o.requests; r++) {
    stream[r] = sampleCdf(cdf, rng());
    clients[r] = Math.floor(rng() * o.clients);
  }
  const clientIps = Array.from({ length: o.clients }, (_, i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`);
  let arrivals: Float64Array | undefined;
  if (o.rate !== undefined) {
    arrivals = new Float64Array(o.requests);
    let t = 0;
    for (let r = 0; r < o.requests; r++) {
      t += (-Math.log(1 - rng()) / o.rate) * 1000;
      arrivals[r] = t;
    }
  }
  const bytes = catalogBytes(sizes);
  return {
    name: `zipf α=${o.alpha}, ${o.objects} objects`,
    keys, sizes, stream, clients, clientIps, ...(arrivals ? { arrivals } : {}),
    info: {
      kind: 'zipf', alpha: o.alpha, objects: o.objects, requests: o.requests, seed: o.seed,
      sizeMu: o.sizeMu, sizeSigma: o.sizeSigma, minSize: o.minSize, maxSize: o.maxSize,
      meanSize: Math.round(bytes / o.objects), catalogBytes: bytes,
      arrivals: o.rate === undefined ? 'closed' : `poisson ${o.rate} req/s`,
    },
  };
}
