// Pools share the affinity table fairly (src/affinity/table.ts): a flood of new keys on one pool
// leaves another pool's pins alone, and a long key costs no more memory than a short one.
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AffinityTable } from '../../src/affinity/table.js';

const T0 = 1_700_000_000_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus typed arrays after a full collection, in bytes. */
function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A fresh header value of `len` characters (a parser makes a new string for every request). */
const token = (len: number): string => randomBytes(Math.ceil((len * 3) / 4)).toString('base64url').slice(0, len) + '';

const ip = (i: number): string => `10.0.${(i >> 8) & 255}.${i & 255}`;
const count = (t: AffinityTable, pool: string): number => t.list(T0, { pool, limit: 1e9 }).length;

describe('per-pool shares', () => {
  it('a flood of header, cookie and connection keys on other pools leaves a client pool its pins', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 1000, seed: 7 });
    for (let i = 0; i < 200; i++) t.pin('cgi', 'client', ip(i), `b${i & 1}:80`, T0);
    for (let i = 0; i < 200; i += 2) expect(t.lookup('cgi', 'client', ip(i), T0)).toBe('b0:80'); // half of them used
    for (let i = 0; i < 30_000; i++) {
      t.pin('api', 'header', `sess-${i}`, 'b1:80', T0);
      t.pin('shop', 'cookie', `c${i}`, 'b1:80', T0);
      if (i % 3 === 0) t.pin('ws', 'connection', `127.0.0.1:${i}#${i}`, 'b1:80', T0);
    }
    expect(t.size).toBe(1000);
    for (let i = 0; i < 200; i++) expect(t.lookup('cgi', 'client', ip(i), T0), ip(i)).toBe(`b${i & 1}:80`);
    // the flooding pools share the other 800; the slowest (ws) still reached its share of 1000 / 4
    expect(count(t, 'api') + count(t, 'shop') + count(t, 'ws')).toBe(800);
    expect(count(t, 'ws')).toBeGreaterThanOrEqual(250);
  });

  it('lends an idle pool’s share, and a pool under its share takes entries back from the largest', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 1000, seed: 8 });
    for (let i = 0; i < 5000; i++) t.pin('api', 'header', `sess-${i}`, 'b1:80', T0);
    expect(count(t, 'api')).toBe(1000); // alone, a pool may fill the table
    for (let i = 0; i < 2000; i++) t.pin('cgi', 'client', ip(i), 'b1:80', T0);
    expect(t.size).toBe(1000);
    expect(count(t, 'cgi')).toBe(500); // up to its share of 1000 / 2, then it evicts its own
    expect(count(t, 'api')).toBe(500);
    for (let i = 1980; i < 2000; i++) expect(t.peek('cgi', 'client', ip(i), T0)).toBe('b1:80');
  });

  it('a lower maxEntries on reload evicts from the largest pools first', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 1000, seed: 9 });
    for (let i = 0; i < 900; i++) t.pin('api', 'header', `sess-${i}`, 'b1:80', T0);
    for (let i = 0; i < 100; i++) t.pin('cgi', 'client', ip(i), 'b1:80', T0);
    t.configure({ timeout: 300, maxEntries: 400 });
    expect(count(t, 'cgi')).toBe(100);
    expect(count(t, 'api')).toBe(300);
  });
});

describe('long keys', () => {
  it('are stored as a digest: an entry costs under 160 bytes with 256-character and 8 KiB header values', () => {
    const perEntry = (n: number, len: number): number => {
      const before = used();
      const t = new AffinityTable({ timeout: 300, maxEntries: n, seed: 10 });
      for (let i = 0; i < n; i++) t.pin('api', 'header', token(len), 'b1:80', T0);
      expect(t.size).toBe(n);
      const b = (used() - before) / n;
      expect(t.stats().entries).toBe(n); // keeps t alive past the measurement
      return b;
    };
    // 2^15 entries fill 2^16 buckets (32 bytes each): 64 bytes of the cost are the table's own
    const short = perEntry(32_768, 256);
    const long = perEntry(4096, 8192);
    expect(short).toBeLessThan(160);
    expect(long).toBeLessThan(160 + 1024 * 1024 / 4096); // a 1 MiB allowance for noise over 4,096 entries
  });

  it('long keys still match exactly: equal values hit, values differing in the last character do not', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 100, seed: 11 });
    const v = 'x'.repeat(8191);
    t.pin('api', 'header', `${v}a`, 'b1:80', T0);
    t.pin('api', 'header', `${v}b`, 'b2:80', T0);
    expect(t.lookup('api', 'header', `${'x'.repeat(8191)}a`, T0)).toBe('b1:80');
    expect(t.lookup('api', 'header', `${v}b`, T0)).toBe('b2:80');
    expect(t.lookup('api', 'header', `${v}c`, T0)).toBeUndefined();
    expect(t.lookup('api', 'header', 'x'.repeat(64), T0)).toBeUndefined();
    expect(t.list(T0).map((e) => e.client)).toEqual([expect.stringMatching(/^hashed:[\w-]{22}$/), expect.stringMatching(/^hashed:[\w-]{22}$/)]);
  });

  it('a flood of 8 KiB header values on one keep-alive connection holds no memory beyond the table', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 256, seed: 12 });
    for (let i = 0; i < 256; i++) t.pin('api', 'header', token(8192), 'b1:80', T0, 1); // the table at its size
    const before = used();
    for (let i = 0; i < 4000; i++) t.pin('api', 'header', token(8192), 'b1:80', T0, 1);
    const grown = used() - before;
    expect(t.size).toBe(256);
    expect(grown).toBeLessThan(1024 * 1024); // 4,000 values of 8 KiB would be 32 MiB
    expect(t.list(T0, { limit: 1 })[0]).toMatchObject({ live: 0 }); // header pins are not held by connections
  });
});
