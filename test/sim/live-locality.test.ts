// Against the live router: 2,000 requests over 200 image paths to a chbl pool and to a wrr pool of
// 4 demo image backends each (LRU caches that hold all 200). chbl keeps each path in about one
// cache; wrr copies it into every cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoBackend, type DemoBackend } from '../../src/demo/backends.js';
import { seededRng } from '../../src/schedulers/rng.js';
import { startRouter, type TestRouter } from '../helpers.js';

const PATHS = Array.from({ length: 200 }, (_, i) => `/img/${i}.png`);
const ROUNDS = 10; // 2,000 requests
// One request at a time per pool (the two pools run side by side). chbl's bound is
// ⌈1.25·(T+1)/4⌉ for T requests in flight: with a handful in flight it is 1–2, so concurrent
// requests spill keys to ring successors by design (4 concurrent clients measured ≈ 2.2 copies).
const CONCURRENCY = 1;

/** Every path ROUNDS times, each round in a seeded random order. */
function requestOrder(seed: number): string[] {
  const rng = seededRng(seed);
  const out: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = [...PATHS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    out.push(...round);
  }
  return out;
}

async function send(base: string, pool: string, order: string[]): Promise<{ hits: number; misses: number; failed: number }> {
  let next = 0;
  const tally = { hits: 0, misses: 0, failed: 0 };
  const worker = async () => {
    while (next < order.length) {
      const path = order[next++]!;
      const res = await fetch(base + path, { headers: { 'x-pool': pool, accept: 'image/*' } });
      await res.arrayBuffer();
      if (res.status !== 200) tally.failed++;
      else if (res.headers.get('x-cache') === 'HIT') tally.hits++;
      else tally.misses++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return tally;
}

/** Σ over backends of the test paths in its cache, divided by the number of distinct paths cached. */
function duplication(backends: DemoBackend[]): { copies: number; distinct: number; perBackend: number[] } {
  const wanted = new Set(PATHS);
  const perBackend = backends.map((b) => b.cache.keys().filter((k) => wanted.has(k)).length);
  const union = new Set(backends.flatMap((b) => b.cache.keys().filter((k) => wanted.has(k))));
  return { copies: perBackend.reduce((a, b) => a + b, 0) / union.size, distinct: union.size, perBackend };
}

describe('live router: cache locality of chbl vs wrr over demo image backends', () => {
  let chbl: DemoBackend[];
  let wrr: DemoBackend[];
  let r: TestRouter;

  beforeAll(async () => {
    chbl = await Promise.all([0, 1, 2, 3].map(() => startDemoBackend('images', 0, '127.0.0.1', 256)));
    wrr = await Promise.all([0, 1, 2, 3].map(() => startDemoBackend('images', 0, '127.0.0.1', 256)));
    r = await startRouter({
      pools: {
        chbl: { scheduler: 'chbl', hashKey: 'path', backends: chbl.map((b) => `http://${b.id}`) },
        wrr: { scheduler: 'wrr', backends: wrr.map((b) => `http://${b.id}`) },
      },
      routes: [
        { name: 'wrr', match: { headers: { 'x-pool': 'wrr' } }, pool: 'wrr' },
        { name: 'chbl', match: {}, pool: 'chbl' },
      ],
    });
  });
  afterAll(async () => {
    await r.close();
    await Promise.all([...chbl, ...wrr].map((b) => b.close()));
  });

  it('chbl holds each path about once (≤ 1.3×), wrr about 4×', { timeout: 120_000 }, async () => {
    const order = requestOrder(1);
    const [c, w] = await Promise.all([send(r.url, 'chbl', order), send(r.url, 'wrr', order)]);
    expect(c.failed + w.failed).toBe(0);
    expect(c.hits + c.misses).toBe(2000);

    const dc = duplication(chbl);
    const dw = duplication(wrr);
    expect(dc.distinct).toBe(200);
    expect(dw.distinct).toBe(200);
    expect(dc.copies).toBeLessThanOrEqual(1.3);
    // 10 requests per path, each landing on a backend in turn: a copy on all 4 unless one was
    // skipped all 10 times (expected 4·(1 − (3/4)^10) ≈ 3.77 copies)
    expect(dw.copies).toBeGreaterThanOrEqual(3.5);
    // every chbl backend holds a real share of the paths (the ring spreads them)
    for (const n of dc.perBackend) expect(n).toBeGreaterThan(20);
    // fewer copies means fewer misses: chbl misses about once per path, wrr about once per path per backend
    expect(c.misses).toBeLessThanOrEqual(1.3 * 200);
    expect(w.misses).toBeGreaterThanOrEqual(3.5 * 200);
    console.log(`chbl: ${dc.copies.toFixed(2)}× (per backend ${dc.perBackend.join('/')}), hit ratio ${(c.hits / 2000).toFixed(3)}; ` +
      `wrr: ${dw.copies.toFixed(2)}× (per backend ${dw.perBackend.join('/')}), hit ratio ${(w.hits / 2000).toFixed(3)}`);
  });
});
