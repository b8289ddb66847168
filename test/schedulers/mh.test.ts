import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maglevTable, mh } from '../../src/schedulers/mh.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import type { Problem } from '../../src/schedulers/types.js';
import { drain, Harness, many, mk } from './core-kit.js';

const M = 65537;
interface MhState { table: Int32Array; members: string[]; builds: number }
const st = (h: Harness<unknown>): MhState => h.state<MhState>();
const owners = (h: Harness<unknown>): string[] => Array.from(st(h).table, (m) => st(h).members[m]!);
const share = (t: Int32Array, n: number): number[] => {
  const c = new Array<number>(n).fill(0);
  for (const m of t) c[m]!++;
  return c;
};
const same = (a: Int32Array, b: Int32Array): boolean => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
const ids = (n: number): string[] => many(n).map((b) => b.id);
const keys = Array.from({ length: 3000 }, (_, i) => `/obj/${i}`);

describe('mh (Maglev, IPVS semantics)', () => {
  it('equal weights: every backend owns ⌊M/N⌋ or ⌈M/N⌉ entries (N = 8 → 8192/8193)', () => {
    for (const n of [1, 3, 8, 13, 64]) {
      const c = share(maglevTable(ids(n), ids(n).map(() => 1), M), n);
      for (const x of c) expect([Math.floor(M / n), Math.ceil(M / n)]).toContain(x);
    }
  });

  it('weights 1:2:3 → 10923 / 21846 / 32768 entries', () => {
    expect(share(maglevTable(ids(3), [1, 2, 3], M), 3)).toEqual([10923, 21846, 32768]);
    expect(share(maglevTable(ids(3), [10, 20, 30], M), 3)).toEqual([10923, 21846, 32768]); // gcd
  });

  it('turns keep 6 bits of weight/gcd (IPVS shift), a positive weight keeps ≥ 1 turn: 100:1 → 50:1 per round', () => {
    expect(share(maglevTable(ids(2), [100, 1], M), 2)).toEqual([64252, 1285]);
  });

  it('removing 1 of N moves at most 1/N + 0.01 of the entries, < 1 % between survivors; adding one ≈ 1/(N+1)', () => {
    for (const n of [2, 5, 8, 10, 16, 50, 100]) {
      const all = ids(n);
      const a = maglevTable(all, all.map(() => 1), M);
      for (const r of [0, n >> 1, n - 1]) {
        const rest = all.filter((_, i) => i !== r);
        const b = maglevTable(rest, rest.map(() => 1), M);
        let moved = 0;
        let between = 0;
        for (let s = 0; s < M; s++) {
          if (all[a[s]!] !== rest[b[s]!]) {
            moved++;
            if (a[s] !== r) between++;
          }
        }
        expect(moved / M).toBeLessThanOrEqual(1 / n + 0.01);
        expect(between / M).toBeLessThan(0.01);
      }
      const more = [...all, '10.99.0.1:80'];
      const c = maglevTable(more, more.map(() => 1), M);
      let added = 0;
      for (let s = 0; s < M; s++) if (all[a[s]!] !== more[c[s]!]) added++;
      expect(added / M).toBeGreaterThanOrEqual(1 / (n + 1) - 0.005);
      expect(added / M).toBeLessThanOrEqual(1 / (n + 1) + 0.01);
    }
  });

  it('property: remapping on removal ≤ 1/N + 0.01 for random N ≤ 100, ids and removed backend', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100 }), fc.nat(), (n, r0) => {
        const m = M;
        const all = many(n).map((b, i) => `${b.id}#${r0 % 7}-${i}`);
        const r = r0 % n;
        const rest = all.filter((_, i) => i !== r);
        const a = maglevTable(all, all.map(() => 1), m);
        const b = maglevTable(rest, rest.map(() => 1), m);
        let moved = 0;
        for (let s = 0; s < m; s++) if (all[a[s]!] !== rest[b[s]!]) moved++;
        expect(moved / m).toBeLessThanOrEqual(1 / n + 0.01);
      }),
      { seed: 41, numRuns: 40 },
    );
  });

  it('draining leaves the table bit-for-bit unchanged (no rebuild); only the drained backend’s keys return null', () => {
    const h = new Harness(mh, many(6));
    const before = Int32Array.from(st(h).table);
    const picks = keys.map((k) => h.id(k));
    const victim = h.bs[2]!;
    drain(victim);
    h.changed();
    expect(st(h).builds).toBe(1);
    expect(same(st(h).table, before)).toBe(true);
    keys.forEach((k, i) => expect(h.id(k)).toBe(picks[i] === victim.id ? null : picks[i]));
    // a weight ramp (slow start) with unchanged lastWeight does not rebuild either
    h.bs[3]!.weight = 0.5 as number;
    h.changed();
    expect(st(h).builds).toBe(1);
  });

  it('fallback: a drained owner’s keys go to a deterministic eligible substitute; others stay', () => {
    const h = new Harness(mh, many(6), { fallback: true });
    const picks = keys.map((k) => h.id(k));
    const victim = h.bs[4]!;
    drain(victim);
    h.changed();
    const h2 = new Harness(mh, many(6), { fallback: true });
    drain(h2.bs[4]!);
    h2.changed();
    keys.forEach((k, i) => {
      const got = h.id(k);
      if (picks[i] !== victim.id) expect(got).toBe(picks[i]);
      else {
        expect(got).not.toBeNull();
        expect(got).not.toBe(victim.id);
        expect(h2.id(k)).toBe(got);
      }
    });
    for (const b of h.bs) drain(b);
    h.changed();
    expect(h.id('/obj/1')).toBeNull();
  });

  it('add, remove, re-weight or down rebuilds; the rebuilt table depends only on the ordered set', () => {
    const h = new Harness(mh, many(5));
    const orig = owners(h);
    h.bs[1]!.state = 'down';
    h.changed();
    expect(st(h).builds).toBe(2);
    expect(owners(h)).not.toContain(h.bs[1]!.id);
    h.bs[1]!.state = 'active';
    h.changed();
    expect(owners(h)).toEqual(orig);
    h.bs[0]!.lastWeight = 3;
    h.bs[0]!.weight = 3;
    h.changed();
    expect(st(h).builds).toBe(4);
    h.bs.push(mk('10.5.5.5:80'));
    h.changed();
    expect(st(h).builds).toBe(5);
  });

  it('property: two instances given the same ordered list build identical tables and pick identically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.string(), { minLength: 1, maxLength: 20 }), (n, ks) => {
        const a = new Harness(mh, many(n, (i) => 1 + (i % 3)), { tableSize: 251 });
        const b = new Harness(mh, many(n, (i) => 1 + (i % 3)), { tableSize: 251 });
        expect(same(st(a).table, st(b).table)).toBe(true);
        for (const k of ks) {
          const x = a.id(k);
          expect(x).not.toBeNull();
          expect(b.id(k)).toBe(x);
          expect(a.id(k)).toBe(x);
        }
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('port: true hashes the key with the client port; a missing key falls back to wlc', () => {
    const h = new Harness(mh, many(16), { port: true });
    const got = new Set<string | null>();
    for (let p = 1; p <= 64; p++) got.add(h.id('10.0.0.1', { clientPort: p }));
    expect(got.size).toBeGreaterThan(8);
    const plain = new Harness(mh, many(16));
    const once = plain.id('10.0.0.1', { clientPort: 1 });
    for (let p = 2; p <= 64; p++) expect(plain.id('10.0.0.1', { clientPort: p })).toBe(once);
    plain.bs[0]!.active = 2;
    expect(plain.id(undefined)).toBe(plain.bs[1]!.id);
  });

  it('tableSize must be a prime ≤ 5 000 011 (key path in the problem); alias maglev is registered', () => {
    const problems: Problem[] = [];
    mh.parse({ tableSize: 65536 }, 'pools.img', problems);
    mh.parse({ tableSize: 10_000_019 }, 'pools.img', problems);
    mh.parse({ fallback: 'yes' }, 'pools.img', problems);
    expect(problems.map((p) => p.path)).toEqual(['pools.img.tableSize', 'pools.img.tableSize', 'pools.img.fallback']);
    expect(problems[0]!.message).toMatch(/prime/);
    expect(getScheduler('maglev')).toBe(getScheduler('mh'));
    expect(st(new Harness(mh, many(3), { tableSize: 4093 })).table.length).toBe(4093);
  });
});
