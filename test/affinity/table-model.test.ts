// The affinity table's hash table (open addressing, backward-shift deletion, CLOCK eviction) checked
// against a plain Map model over seeded random operation sequences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4Key, ipv4KeyString, ipv4String, ipv4Value } from '../../src/affinity/address.js';
import { AffinityTable, MAX_KEY, type PinKind } from '../../src/affinity/table.js';

const T0 = 1_700_000_000_000;

describe('ipv4Value', () => {
  it('takes canonical dotted quads only', () => {
    expect(ipv4Value('10.0.0.7')).toBe(0x0a000007);
    expect(ipv4Value('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(ipv4Value('0.0.0.0')).toBe(0);
    for (const k of ['010.0.0.7', '10.0.0', '10.0.0.7.1', '256.0.0.1', '10..0.1', '10.0.0.', '::1', 'a.b.c.d', '1.2.3.4 ', '']) {
      expect(ipv4Value(k), k).toBe(-1);
    }
  });
  it('round-trips through ipv4String, also as a signed 32-bit value', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(ipv4String(ipv4Value(ip))).toBe(ip);
        expect(ipv4String(ipv4Value(ip) | 0)).toBe(ip);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('ipv4Key', () => {
  it('encodes canonical bare and masked IPv4 keys losslessly, and nothing else', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 })), (ip, p) => {
        const k = p === null ? ip : `${ip}/${p}`;
        const v = ipv4Key(k);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(ipv4KeyString(Math.floor(v / 64) | 0, v % 64)).toBe(k);
      }),
      { seed: 8, numRuns: 500 },
    );
    expect(ipv4Key('0.0.0.0/0')).toBe(2);
    for (const k of ['10.0.0.0/33', '10.0.0.0/033', '10.0.0.0/07', '10.0.0.0/', '10.0.0.0/2a', '010.0.0.0/24', '10.0.0/24', 'a/24']) {
      expect(ipv4Key(k), k).toBe(-1);
    }
  });
});

const key = fc.oneof(
  fc.tuple(fc.nat(1), fc.nat(1), fc.nat(3), fc.nat(31)).map((p) => p.join('.')), // 512 keys: repeats, long probe runs
  fc.ipV4(),
  fc.constantFrom('sess-1', 'sess-2', '[::1]:80#3', '010.0.0.1', '10.0.0.1', '10.0.0.0/24', '10.0.0.0/16', '10.0.0.1/32', '10.0.0.0/024', ''),
  fc.tuple(fc.constantFrom(MAX_KEY, MAX_KEY + 1, 300), fc.nat(3)).map(([n, i]) => `${'t'.repeat(n - 1)}${i}`), // kept as a digest past MAX_KEY
);
/** How list() shows a key: one longer than MAX_KEY only as its digest. */
const shown = (k: string): string => (k.length > MAX_KEY ? 'hashed:' : k);
const where = fc.tuple(fc.constantFrom('web', 'api'), fc.constantFrom<PinKind>('client', 'header', 'connection'));
const op = fc.tuple(fc.constantFrom('pin', 'pin', 'lookup', 'unpin'), where, key, fc.nat(3));
const id = (pool: string, kind: string, k: string): string => `${pool}|${kind}|${k}`;

describe('AffinityTable against a Map', () => {
  it('finds what was pinned and nothing else, across growth and deletions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), fc.integer(), (ops, seed) => {
        const t = new AffinityTable({ timeout: 300, maxEntries: 100_000, seed });
        const ref = new Map<string, string>();
        for (const [o, [pool, kind], k, b] of ops) {
          const backend = `b${b}:80`;
          if (o === 'pin') {
            t.pin(pool, kind, k, backend, T0);
            ref.set(id(pool, kind, k), backend);
          } else if (o === 'lookup') expect(t.lookup(pool, kind, k, T0)).toBe(ref.get(id(pool, kind, k)));
          else expect(t.unpin(pool, kind, k)).toBe(ref.delete(id(pool, kind, k)));
          expect(t.size).toBe(ref.size);
        }
        const listed = t.list(T0, { limit: 1e9 }).map((e) => `${id(e.pool, e.kind, e.client.replace(/^hashed:[\w-]{22}$/, 'hashed:'))}>${e.backend}`);
        const want = [...ref].map(([i, b]) => { const [p, kd, k] = i.split('|') as [string, string, string]; return `${id(p, kd, shown(k))}>${b}`; });
        expect(listed.sort()).toEqual(want.sort());
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('at maxEntries evicts, never answers with a stale backend, and counts every eviction', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), fc.integer(), (ops, seed) => {
        const t = new AffinityTable({ timeout: 300, maxEntries: 40, seed });
        const ref = new Map<string, string>(); // last pin per key; the table may have evicted it
        let inserted = 0;
        let unpinned = 0;
        for (const [o, [pool, kind], k, b] of ops) {
          const backend = `b${b}:80`;
          const present = t.peek(pool, kind, k, T0) !== undefined;
          if (o === 'pin') {
            if (!present) inserted++;
            t.pin(pool, kind, k, backend, T0);
            ref.set(id(pool, kind, k), backend);
          } else if (o === 'lookup') {
            const got = t.lookup(pool, kind, k, T0);
            if (got !== undefined) expect(got).toBe(ref.get(id(pool, kind, k)));
          } else if (t.unpin(pool, kind, k)) unpinned++;
          expect(t.size).toBeLessThanOrEqual(40);
        }
        expect(t.stats().evictions).toBe(inserted - unpinned - t.size);
      }),
      { seed: 43, numRuns: 60 },
    );
  });

  it('at maxEntries a pool under its share loses entries only to its own inserts; others evict from the largest pool', () => {
    const pools = ['web', 'api', 'cgi'];
    const max = 40;
    const pinOp = fc.tuple(fc.constantFrom('pin', 'pin', 'pin', 'lookup', 'unpin'), fc.constantFrom(...pools), fc.constantFrom<PinKind>('client', 'header', 'connection', 'cookie'), key, fc.nat(3));
    // runs that favour one pool, so shares are unequal and floods happen
    const run = fc.array(fc.tuple(fc.constantFrom(...pools), fc.array(pinOp, { minLength: 20, maxLength: 200, size: 'max' })), { minLength: 2, maxLength: 15, size: 'max' });
    fc.assert(
      fc.property(run, fc.integer(), (runs, seed) => {
        const t = new AffinityTable({ timeout: 300, maxEntries: max, seed });
        const present = new Map<string, { pool: string; kind: PinKind; k: string; backend: string }>();
        for (const [favoured, ops] of runs) {
          for (const [o, other, kind, k, b] of ops) {
            const pool = (b & 1) === 0 ? favoured : other;
            const backend = `b${b}:80`;
            const i = id(pool, kind, k);
            if (o === 'lookup') {
              expect(t.lookup(pool, kind, k, T0)).toBe(present.get(i)?.backend);
              continue;
            }
            if (o === 'unpin') {
              expect(t.unpin(pool, kind, k)).toBe(present.delete(i));
              continue;
            }
            const counts = new Map(pools.map((p) => [p, 0]));
            for (const e of present.values()) counts.set(e.pool, counts.get(e.pool)! + 1);
            const isNew = !present.has(i);
            const full = isNew && present.size >= max;
            t.pin(pool, kind, k, backend, T0);
            present.set(i, { pool, kind, k, backend });
            const gone = [...present].filter(([, e]) => t.peek(e.pool, e.kind, e.k, T0) === undefined);
            expect(gone.map(([g]) => g)).toHaveLength(full ? 1 : 0);
            if (!full) continue;
            const victim = gone[0]![1].pool;
            const active = [...counts.values()].filter((n) => n > 0).length + (counts.get(pool) === 0 ? 1 : 0);
            if (counts.get(pool)! * active >= max) expect(victim).toBe(pool); // at its share: its own entry
            else expect(counts.get(victim)).toBe(Math.max(...counts.values())); // else the largest pool's
            present.delete(gone[0]![0]);
          }
        }
        expect(t.size).toBe(present.size);
        const byPool = (p: string) => [...present.values()].filter((e) => e.pool === p).length;
        for (const p of pools) expect(t.list(T0, { pool: p, limit: 1e9 })).toHaveLength(byPool(p));
      }),
      { seed: 46, numRuns: 40 },
    );
  });

  it('lists the `limit` entries that expire last, latest first', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1_000_000), { minLength: 1, maxLength: 500 }), fc.nat(20), fc.integer(), (times, limit, seed) => {
        const t = new AffinityTable({ timeout: 300, maxEntries: 100_000, seed });
        times.forEach((s, i) => t.pin('web', 'header', `k${i}`, 'b1:80', T0 + s));
        const want = times
          .map((s, i) => ({ s, k: `k${i}` }))
          .sort((a, b) => b.s - a.s)
          .slice(0, limit)
          .map((e) => e.k);
        expect(t.list(T0, { limit }).map((e) => e.client)).toEqual(want);
      }),
      { seed: 45, numRuns: 100 },
    );
  });

  it('sweeps exactly the expired entries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.nat(20)), { maxLength: 2000, size: 'max' }), fc.nat(20), fc.integer(), (pins, at, seed) => {
        const t = new AffinityTable({ timeout: 1, maxEntries: 100_000, seed });
        const last = new Map<string, number>();
        for (const [k, s] of pins) {
          t.pin('web', 'client', k, 'b1:80', T0 + s * 1000);
          last.set(k, s);
        }
        const now = T0 + at * 1000 + 1000; // entries pinned at ≤ `at` s have expired
        let swept = 0;
        for (let i = 0; i < 100 && t.size > 0; i++) swept += t.sweep(now, 64);
        const alive = [...last].filter(([, s]) => s > at);
        expect(swept).toBe(last.size - alive.length);
        expect(t.size).toBe(alive.length);
        for (const [k] of alive) expect(t.peek('web', 'client', k, now)).toBe('b1:80');
      }),
      { seed: 44, numRuns: 60 },
    );
  });
});
