import { describe, expect, it } from 'vitest';
import { sampleCdf, W1, zipfCdf, zipfWorkload } from '../../src/sim/zipf.js';

const small = { ...W1, objects: 1000, requests: 200_000 };

describe('zipf workload', () => {
  it('is identical for the same seed and differs for another', () => {
    const a = zipfWorkload({ ...small, seed: 7 });
    const b = zipfWorkload({ ...small, seed: 7 });
    const c = zipfWorkload({ ...small, seed: 8 });
    expect(Buffer.from(a.stream.buffer).equals(Buffer.from(b.stream.buffer))).toBe(true);
    expect(Buffer.from(a.sizes.buffer).equals(Buffer.from(b.sizes.buffer))).toBe(true);
    expect(Buffer.from(a.clients.buffer).equals(Buffer.from(b.clients.buffer))).toBe(true);
    expect(Buffer.from(a.stream.buffer).equals(Buffer.from(c.stream.buffer))).toBe(false);
    expect(a.keys[0]).toBe('/obj/1');
    expect(a.keys[999]).toBe('/obj/1000');
  });

  it('draws ranks with P(i) ∝ i^−α', () => {
    const w = zipfWorkload({ ...small, alpha: 0.9 });
    const counts = new Float64Array(small.objects);
    for (const id of w.stream) counts[id]!++;
    let h = 0;
    for (let i = 1; i <= small.objects; i++) h += Math.pow(i, -0.9);
    // rank 1's share is 1/H(K, α) within 3 %
    expect(counts[0]! / small.requests).toBeCloseTo(1 / h, 2);
    expect(Math.abs(counts[0]! / small.requests - 1 / h) / (1 / h)).toBeLessThan(0.03);
    // rank 1 vs rank 2: 2^α; rank 1 vs rank 10: 10^α (within 5 %)
    expect(counts[0]! / counts[1]!).toBeGreaterThan(Math.pow(2, 0.9) * 0.95);
    expect(counts[0]! / counts[1]!).toBeLessThan(Math.pow(2, 0.9) * 1.05);
    expect(counts[0]! / counts[9]!).toBeGreaterThan(Math.pow(10, 0.9) * 0.95);
    expect(counts[0]! / counts[9]!).toBeLessThan(Math.pow(10, 0.9) * 1.05);
    // least-squares slope of log(count) on log(rank) over ranks 1..100 ≈ −α
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 100; i++) {
      xs.push(Math.log(i + 1));
      ys.push(Math.log(counts[i]!));
    }
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < xs.length; i++) {
      num += (xs[i]! - mx) * (ys[i]! - my);
      den += (xs[i]! - mx) ** 2;
    }
    expect(num / den).toBeGreaterThan(-0.95);
    expect(num / den).toBeLessThan(-0.85);
  });

  it('alpha 0 is uniform', () => {
    const cdf = zipfCdf(0, 4);
    expect([...cdf]).toEqual([0.25, 0.5, 0.75, 1]);
    expect(sampleCdf(cdf, 0)).toBe(0);
    expect(sampleCdf(cdf, 0.25)).toBe(1);
    expect(sampleCdf(cdf, 0.9999)).toBe(3);
  });

  it('sizes are lognormal (SURGE fit), clipped to [64 B, 4 MiB], mean ≈ 27 kB', () => {
    const w = zipfWorkload({ ...W1, requests: 1 });
    let sum = 0;
    const logs: number[] = [];
    let lo = Infinity;
    let hi = 0;
    for (const s of w.sizes) {
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
      sum += s;
      logs.push(Math.log(s));
    }
    expect(lo).toBeGreaterThanOrEqual(64);
    expect(hi).toBeLessThanOrEqual(4 * 1024 * 1024);
    const mean = sum / w.sizes.length;
    expect(mean).toBeGreaterThan(25_000);
    expect(mean).toBeLessThan(30_000);
    const mu = logs.reduce((a, b) => a + b) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / logs.length);
    expect(mu).toBeCloseTo(9.357, 1);
    expect(sd).toBeCloseTo(1.318, 1);
  });

  it('open loop: Poisson arrivals at the given rate', () => {
    const w = zipfWorkload({ ...small, requests: 50_000, rate: 500 });
    const a = w.arrivals!;
    let ordered = true;
    for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) ordered = false;
    expect(ordered).toBe(true);
    const rate = a.length / (a[a.length - 1]! / 1000);
    expect(rate).toBeGreaterThan(490);
    expect(rate).toBeLessThan(510);
  });
});
