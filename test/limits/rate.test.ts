// The pure token bucket (src/limits/rate.ts): seeded property tests of the bound, Retry-After, and
// a table that stays bounded under a flood of distinct keys.
import { describe, expect, it } from 'vitest';
import { keyOf, RateLimits } from '../../src/limits/limits.js';
import { RateTable, retryAfterSeconds, type RateSpec } from '../../src/limits/rate.js';

/** mulberry32: a small seeded generator, so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const spec = (rate: number, burst: number, per: RateSpec['per'] = 'second'): RateSpec => ({ rate, per, burst, key: 'client', shared: false });

describe('token bucket', () => {
  it('never grants more than rate*t + burst over any window t (seeded, 200 runs)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const rate = 1 + Math.floor(r() * 50);
      const burst = 1 + Math.floor(r() * 20);
      const per = r() < 0.2 ? 'minute' : 'second';
      const t = new RateTable(spec(rate, burst, per), 4);
      const perMs = rate / (per === 'minute' ? 60_000 : 1000);
      const granted: number[] = [];
      let now = 1_000_000;
      for (let i = 0; i < 400; i++) {
        // bursts, steady trickles and quiet spells
        now += r() < 0.1 ? Math.floor(r() * 3000) : Math.floor(r() * 30);
        if (t.take('k', now) === 0) granted.push(now);
      }
      // every window [granted[i], granted[j]]: the largest excess over the bound
      let worst = -Infinity;
      for (let i = 0; i < granted.length; i++) {
        for (let j = i; j < granted.length; j++) worst = Math.max(worst, j - i + 1 - (perMs * (granted[j]! - granted[i]!) + burst));
      }
      expect(worst, `seed ${seed}`).toBeLessThanOrEqual(1e-9);
      expect(granted.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('grants the burst at once, then one token per 1/rate; the wait is the time until the next', () => {
    const t = new RateTable(spec(10, 3));
    expect([0, 0, 0].map(() => t.take('a', 0))).toEqual([0, 0, 0]);
    expect(t.take('a', 0)).toBe(100);
    expect(t.take('a', 40)).toBe(60);
    expect(t.take('a', 100)).toBe(0);
    expect(t.take('b', 100)).toBe(0); // another key has its own bucket
    expect(retryAfterSeconds(60)).toBe(1);
    expect(retryAfterSeconds(2100)).toBe(3);
    const slow = new RateTable(spec(2, 1, 'minute'));
    expect(slow.take('a', 0)).toBe(0);
    expect(slow.take('a', 0)).toBe(30_000);
  });

  it('stays at maxKeys under a flood of 1e6 distinct keys, and a key in steady use keeps its state', () => {
    const max = 10_000;
    const t = new RateTable(spec(1, 2), max);
    let biggest = 0;
    const t0 = performance.now();
    let now = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 1000 === 0) {
        now += 1;
        t.take('steady', now); // spends its two tokens, then is refused: state must persist
      }
      t.take(`flood-${i}`, now);
      if (t.size > biggest) biggest = t.size;
    }
    const ms = performance.now() - t0;
    expect(biggest).toBe(max);
    // 1000 takes over 1000 ms at 1/s: only the burst and one refill got through
    expect(t.tokens('steady', now)).toBeLessThan(1);
    expect(ms).toBeLessThan(5000);
  });

  it('drops a full bucket before a recently used one that is not full', () => {
    const t = new RateTable(spec(1000, 5), 2);
    t.take('old', 0); // refills to full within 1 ms
    t.take('busy', 10);
    t.take('busy', 10);
    t.take('new', 10); // table full: 'old' is full again and goes
    expect(t.size).toBe(2);
    expect(t.tokens('busy', 10)).toBeCloseTo(3);
  });
});

describe('route tables across reloads (src/limits/limits.ts)', () => {
  it('keeps a route\'s buckets while its rateLimit is equal, starts anew when it changes, drops removed routes', () => {
    const l = new RateLimits();
    l.take('r', spec(1, 1), '10.0.0.1', {}, 0);
    expect(l.take('r', { ...spec(1, 1) }, '10.0.0.1', {}, 0)).toBeGreaterThan(0); // an equal copy, as a reload makes
    expect(l.limited.get('r')).toBe(1);
    expect(l.take('r', spec(1, 2), '10.0.0.1', {}, 0)).toBe(0); // burst changed: a new table
    l.retain([{ name: 'other', rateLimit: spec(1, 1) }, { name: 'r' }]);
    expect(l.tables.has('r')).toBe(false);
  });

  it("keys: the client address, or the header's value (the address when it is absent)", () => {
    expect(keyOf('client', '10.0.0.1', { 'x-k': 'a' })).toBe('10.0.0.1');
    expect(keyOf('header:x-k', '10.0.0.1', { 'x-k': 'a' })).toBe('h:a');
    expect(keyOf('header:x-k', '10.0.0.1', {})).toBe('10.0.0.1');
    // a header value that looks like an address is still its own key
    expect(keyOf('header:x-k', '10.0.0.1', { 'x-k': '10.0.0.1' })).not.toBe('10.0.0.1');
  });
});
