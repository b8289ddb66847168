import { describe, expect, it } from 'vitest';
import { maskAddress } from '../../src/affinity/address.js';
import { CookieSigner } from '../../src/affinity/cookie.js';
import { AffinityTable, home, stringHash } from '../../src/affinity/table.js';

const T0 = 1_700_000_000_000;

describe('maskAddress', () => {
  it('masks IPv4 by prefix and keeps /32 bare', () => {
    expect(maskAddress('10.0.0.77', 24)).toBe('10.0.0.0/24');
    expect(maskAddress('127.0.0.2', 24)).toBe(maskAddress('127.0.0.3', 24));
    expect(maskAddress('127.0.0.2', 32)).toBe('127.0.0.2');
    expect(maskAddress('::ffff:192.168.7.9', 16)).toBe('192.168.0.0/16');
    expect(maskAddress('10.1.2.3', 0)).toBe('0.0.0.0/0');
  });
  it('masks IPv6 with netmask + 96 (32 ↔ /128), or a prefix > 32 as given', () => {
    expect(maskAddress('2001:db8::1', 32)).toBe('2001:db8:0:0:0:0:0:1');
    expect(maskAddress('2001:db8::1', 24)).toBe('2001:db8:0:0:0:0:0:0/120');
    expect(maskAddress('2001:db8::1:ff', 24)).toBe(maskAddress('2001:db8::1:01', 24));
    expect(maskAddress('2001:db8:aa:bb::1', 48)).toBe('2001:db8:aa:0:0:0:0:0/48');
    expect(maskAddress('10.0.0.1', 48)).toBe('10.0.0.1');
  });
});

describe('AffinityTable', () => {
  it('pins, hits and counts misses', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 10, seed: 1 });
    expect(t.lookup('web', 'client', '10.0.0.1', T0)).toBeUndefined();
    t.pin('web', 'client', '10.0.0.1', 'b1:80', T0);
    expect(t.lookup('web', 'client', '10.0.0.1', T0 + 1)).toBe('b1:80');
    expect(t.lookup('api', 'client', '10.0.0.1', T0 + 1)).toBeUndefined();
    expect(t.lookup('web', 'header', '10.0.0.1', T0 + 1)).toBeUndefined();
    expect(t.stats()).toMatchObject({ entries: 1, templates: 1, connections: 0, hits: 1, misses: 3 });
  });

  it('expires a template `timeout` s after its last use (lazy), each use restarting the clock', () => {
    const t = new AffinityTable({ timeout: 10, maxEntries: 10, seed: 1 });
    t.pin('web', 'client', 'a', 'b1:80', T0);
    expect(t.lookup('web', 'client', 'a', T0 + 9_000)).toBe('b1:80');
    expect(t.lookup('web', 'client', 'a', T0 + 18_000)).toBe('b1:80');
    expect(t.lookup('web', 'client', 'a', T0 + 28_001)).toBeUndefined();
    expect(t.stats()).toMatchObject({ entries: 0, expirations: 1 });
  });

  it('sweeps expired entries without a timer per entry', () => {
    const t = new AffinityTable({ timeout: 1, maxEntries: 1000, seed: 1 });
    for (let i = 0; i < 500; i++) t.pin('web', 'client', `c${i}`, 'b1:80', T0);
    expect(t.sweep(T0 + 500, 10_000)).toBe(0);
    let n = 0;
    for (let k = 0; k < 20; k++) n += t.sweep(T0 + 1_001, 100); // 500 entries fill half of 1,024 buckets
    expect(n).toBe(500);
    expect(t.stats()).toMatchObject({ entries: 0, expirations: 500 });
  });

  it('holds at maxEntries; what it keeps is recent (CLOCK)', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 100, seed: 1 });
    for (let i = 0; i < 1000; i++) t.pin('web', 'client', `c${i}`, 'b1:80', T0 + i);
    expect(t.size).toBe(100);
    expect(t.stats().evictions).toBe(900);
    const kept = t.list(T0 + 1000, { limit: 1000 }).map((e) => Number(e.client.slice(1)));
    expect(kept).toHaveLength(100);
    // a pin outlives one to two turns of the clock hand: every survivor is among the last 200 pins
    // (exact LRU would keep the last 100; this table's oldest survivor is about 130 pins old)
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(800);
    expect(kept.slice(0, 3)).toEqual([999, 998, 997]); // latest expiry first
  });

  it('a hit entry outlives entries that were never used', () => {
    // CLOCK over hash-ordered buckets is approximate (an entry moved by a deletion may be passed
    // twice or not at all in one turn), so this counts survivors over 20 seeded tables
    let hitKept = 0;
    let unusedKept = 0;
    for (let seed = 0; seed < 20; seed++) {
      const t = new AffinityTable({ timeout: 300, maxEntries: 100, seed });
      for (let i = 0; i < 100; i++) t.pin('web', 'client', `c${i}`, 'b1:80', T0);
      for (let i = 0; i < 100; i += 2) expect(t.lookup('web', 'client', `c${i}`, T0)).toBe('b1:80');
      for (let i = 100; i < 150; i++) t.pin('web', 'client', `c${i}`, 'b1:80', T0);
      for (let i = 0; i < 100; i++) if (t.peek('web', 'client', `c${i}`, T0) !== undefined) i % 2 === 0 ? hitKept++ : unusedKept++;
      for (let i = 100; i < 150; i++) expect(t.peek('web', 'client', `c${i}`, T0)).toBe('b1:80');
    }
    expect(hitKept).toBeGreaterThanOrEqual(0.95 * 20 * 50);
    expect(unusedKept).toBeLessThanOrEqual(0.05 * 20 * 50);
  });

  it('drops a pin that would sit over 64 buckets past its home: keys aimed at one bucket cannot build a long probe run', () => {
    const seed = 1234;
    const t = new AffinityTable({ timeout: 300, maxEntries: 1000, seed });
    // header values of the first pool (group 0 × 4 + 3, a string key: tag 3 × 64 + 0 + 1) whose home is
    // bucket 0 of 256 — what the table has at 64 to 127 entries — found by brute force
    const aimed: string[] = [];
    for (let i = 0; aimed.length < 100; i++) {
      const k = `s${i}`;
      if ((home(stringHash(k, seed), 193, seed) & 255) === 0) aimed.push(k);
    }
    for (const k of aimed) t.pin('web', 'header', k, 'b1:80', T0);
    expect(t.size).toBe(65); // its home bucket and the 64 after it
    expect(t.stats().evictions).toBe(35);
    expect(aimed.filter((k) => t.peek('web', 'header', k, T0) !== undefined)).toEqual(aimed.slice(0, 65));
    t.pin('web', 'header', 'honest', 'b2:80', T0);
    expect(t.peek('web', 'header', 'honest', T0)).toBe('b2:80');
  });

  it('keeps connection entries while the connection lives, then finTimeout more', () => {
    const t = new AffinityTable({ timeout: 5, maxEntries: 10, finTimeout: 2, seed: 1 });
    t.pin('web', 'connection', '127.0.0.1:5000#7', 'b1:80', T0, 7);
    expect(t.lookup('web', 'connection', '127.0.0.1:5000#7', T0 + 3_600_000)).toBe('b1:80');
    expect(t.list(T0 + 3_600_000)[0]).toMatchObject({ kind: 'connection', expiresIn: null, live: 1 });
    t.connectionClosed(7, T0 + 3_600_000);
    expect(t.peek('web', 'connection', '127.0.0.1:5000#7', T0 + 3_601_000)).toBe('b1:80');
    expect(t.lookup('web', 'connection', '127.0.0.1:5000#7', T0 + 3_602_001)).toBeUndefined();
  });

  it('counts live connections pinned to a backend (remove waits for them)', () => {
    const t = new AffinityTable({ timeout: 5, maxEntries: 10, seed: 1 });
    t.pin('web', 'connection', 'c#5', 'b1:80', T0, 5);
    t.pin('web', 'connection', 'c#6', 'b2:80', T0, 6);
    t.pin('web', 'client', '10.0.0.1', 'b1:80', T0, 5);
    expect(t.liveConnections('web', 'b1:80')).toBe(1);
    expect(t.liveConnections('api', 'b1:80')).toBe(0);
    t.connectionClosed(5, T0 + 1);
    expect(t.liveConnections('web', 'b1:80')).toBe(0);
    expect(t.liveConnections('web', 'b2:80')).toBe(1);
  });

  it('keeps a template while it controls a live connection, and 60 s after it ends', () => {
    const t = new AffinityTable({ timeout: 5, maxEntries: 10, seed: 1 });
    t.pin('web', 'client', '10.0.0.0/24', 'b1:80', T0, 3);
    expect(t.peek('web', 'client', '10.0.0.0/24', T0 + 100_000)).toBe('b1:80');
    t.connectionClosed(3, T0 + 100_000);
    expect(t.peek('web', 'client', '10.0.0.0/24', T0 + 159_000)).toBe('b1:80');
    expect(t.peek('web', 'client', '10.0.0.0/24', T0 + 160_001)).toBeUndefined();
  });

  it('voids pins to a removed backend, also once it is added back', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 10, seed: 1 });
    t.pin('web', 'client', 'a', 'b1:80', T0);
    t.pin('api', 'client', 'a', 'b1:80', T0);
    expect(t.generation('web', 'b1:80')).toBe(0);
    t.forgetBackend('web', 'b1:80');
    expect(t.generation('web', 'b1:80')).toBe(1);
    expect(t.lookup('web', 'client', 'a', T0 + 1)).toBeUndefined();
    expect(t.lookup('api', 'client', 'a', T0 + 1)).toBe('b1:80');
    t.pin('web', 'client', 'new', 'b1:80', T0 + 2); // the re-added backend takes new clients
    expect(t.lookup('web', 'client', 'new', T0 + 3)).toBe('b1:80');
  });

  it('lists like ipvsadm -Lc: pool, kind, client, backend, expires-in', () => {
    const t = new AffinityTable({ timeout: 300, maxEntries: 10, seed: 1 });
    t.pin('web', 'client', '10.0.0.0/24', 'b1:80', T0);
    t.pin('api', 'header', 'user-42', 'b2:80', T0 + 1000);
    expect(t.list(T0 + 2000)).toEqual([
      { pool: 'api', kind: 'header', client: 'user-42', backend: 'b2:80', expiresIn: 299, live: 0 },
      { pool: 'web', kind: 'client', client: '10.0.0.0/24', backend: 'b1:80', expiresIn: 298, live: 0 },
    ]);
    expect(t.list(T0 + 2000, { pool: 'web' })).toHaveLength(1);
    expect(t.list(T0 + 2000, { pool: 'nope' })).toHaveLength(0);
  });
});

describe('CookieSigner', () => {
  const s = new CookieSigner('secret-1');
  const tag = s.tag('web', 'b1:80', 0);
  const v = s.sign('web', 'sid123', tag, T0);

  it('round-trips and names the backend opaquely', () => {
    expect(v).not.toContain('b1');
    expect(s.verify('web', v, T0 + 1000, 300_000)).toEqual({ sid: 'sid123', tag, issued: Math.floor(T0 / 1000) * 1000 });
    expect(s.tag('web', 'b1:80', 1)).not.toBe(tag);
  });

  it('ignores tampered, foreign, other-pool and stale cookies', () => {
    const flip = (str: string, i: number) => str.slice(0, i) + (str[i] === 'A' ? 'B' : 'A') + str.slice(i + 1);
    for (let i = 0; i < v.length; i++) if (v[i] !== '.') expect(s.verify('web', flip(v, i), T0, 300_000)).toBeUndefined();
    expect(s.verify('api', v, T0, 300_000)).toBeUndefined();
    expect(new CookieSigner('secret-2').verify('web', v, T0, 300_000)).toBeUndefined();
    expect(s.verify('web', v, T0 + 301_000, 300_000)).toBeUndefined();
    expect(s.verify('web', 'garbage', T0, 300_000)).toBeUndefined();
    expect(s.verify('web', undefined, T0, 300_000)).toBeUndefined();
  });
});
