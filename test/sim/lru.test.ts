import { describe, expect, it } from 'vitest';
import { cpuMs, diskMs } from '../../src/sim/cost.js';
import { ByteLru } from '../../src/sim/lru.js';

describe('byte LRU', () => {
  it('counts bytes and evicts least recently used first', () => {
    const sizes = Float64Array.from([400, 300, 200, 100, 1001]);
    const c = new ByteLru(1000, sizes);
    expect(c.access(0)).toBe(false);
    expect(c.access(1)).toBe(false);
    expect(c.access(2)).toBe(false);
    expect(c.used).toBe(900);
    expect(c.access(0)).toBe(true); // 0 becomes most recent: order 0, 2, 1
    expect(c.ids()).toEqual([0, 2, 1]);
    expect(c.access(3)).toBe(false); // 1000 bytes exactly: nothing evicted
    expect(c.used).toBe(1000);
    expect(c.count).toBe(4);
    expect(c.access(1)).toBe(true);
    expect(c.ids()).toEqual([1, 3, 0, 2]);
  });

  it('evicts as many objects as needed, never exceeds capacity', () => {
    const sizes = Float64Array.from([300, 300, 300, 700]);
    const c = new ByteLru(1000, sizes);
    c.access(0);
    c.access(1);
    c.access(2);
    expect(c.access(3)).toBe(false); // evicts 0 and 1 (600 bytes) to fit 700
    expect(c.ids()).toEqual([3, 2]);
    expect(c.used).toBe(1000);
    expect(c.has(0)).toBe(false);
    expect(c.has(1)).toBe(false);
  });

  it('never caches an object larger than the capacity and keeps what it holds', () => {
    const sizes = Float64Array.from([500, 1001]);
    const c = new ByteLru(1000, sizes);
    c.access(0);
    expect(c.access(1)).toBe(false);
    expect(c.access(1)).toBe(false);
    expect(c.ids()).toEqual([0]);
    expect(c.used).toBe(500);
  });

  it('stays within capacity over a random stream and its byte count matches its contents', () => {
    const n = 500;
    const sizes = Float64Array.from({ length: n }, (_, i) => 50 + ((i * 7919) % 4000));
    const c = new ByteLru(20_000, sizes);
    let x = 1;
    let most = 0;
    for (let k = 0; k < 20_000; k++) {
      x = (x * 48271) % 2147483647;
      c.access(x % n);
      most = Math.max(most, c.used);
    }
    expect(most).toBeLessThanOrEqual(20_000);
    expect(most).toBeGreaterThan(15_000);
    const ids = c.ids();
    expect(ids.length).toBe(c.count);
    expect(ids.reduce((a, id) => a + sizes[id]!, 0)).toBe(c.used);
  });
});

describe('LARD cost model (schedulers.md §20.2)', () => {
  it('matches the spec figures', () => {
    expect(cpuMs(512)).toBeCloseTo(0.441, 6);
    expect(cpuMs(513)).toBeCloseTo(0.465, 6);
    expect(diskMs(4096)).toBeCloseTo(28.41, 6);
    expect(diskMs(44 * 1024)).toBeCloseTo(28 + 11 * 0.41, 6);
    expect(diskMs(44 * 1024 + 1)).toBeCloseTo(28 + 12 * 0.41 + 14, 6);
    // the mean 27 kB object: ≈ 1.7 ms of CPU, ≈ 30.9 ms of disk
    expect(cpuMs(27_500)).toBeCloseTo(1.713, 2);
    expect(diskMs(27_500)).toBeCloseTo(30.87, 1);
  });
});
