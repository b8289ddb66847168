import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dh } from '../../src/schedulers/dh.js';
import { drain, Harness, many, mk, parseOk } from './core-kit.js';
import type { Problem } from '../../src/schedulers/types.js';

const table = (h: Harness<unknown>): Int32Array => h.state<{ table: Int32Array }>().table;
const owners = (h: Harness<unknown>): string[] => Array.from(table(h), (i) => h.bs[i]!.id);
const keys = Array.from({ length: 2000 }, (_, i) => `/img/${i}.png`);

describe('dh (destination hashing)', () => {
  it('property: same key → same backend while membership is unchanged, and in a second instance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.string(), { minLength: 1, maxLength: 30 }), (n, ks) => {
        const a = new Harness(dh, many(n, (i) => 1 + (i % 4)));
        const b = new Harness(dh, many(n));
        for (const k of ks) {
          const first = a.id(k);
          expect(first).not.toBeNull();
          expect(a.id(k)).toBe(first);
          expect(b.id(k)).toBe(first); // weights are ignored
        }
      }),
      { seed: 21, numRuns: 100 },
    );
  });

  it('each backend owns ⌊256/N⌋ or ⌈256/N⌉ buckets regardless of weight; bucket i → i mod N', () => {
    for (const n of [1, 3, 7, 8, 10, 100]) {
      const h = new Harness(dh, many(n, (i) => (i % 5) * 7 + 1));
      const o = owners(h);
      o.forEach((id, i) => expect(id).toBe(h.bs[i % n]!.id));
      const counts = new Map<string, number>();
      for (const id of o) counts.set(id, (counts.get(id) ?? 0) + 1);
      for (const c of counts.values()) expect([Math.floor(256 / n), Math.ceil(256 / n)]).toContain(c);
    }
  });

  it('draining the owner of a key → null for that key only; the table is unchanged', () => {
    const h = new Harness(dh, many(4));
    const before = keys.map((k) => h.id(k));
    const victim = h.bs[1]!;
    drain(victim);
    h.changed();
    keys.forEach((k, i) => expect(h.id(k)).toBe(before[i] === victim.id ? null : before[i]));
  });

  it('a down backend is removed from the table (rebuilt over the rest); not consistent: N=8 → ≈88 % of buckets move', () => {
    const h = new Harness(dh, many(8));
    const before = owners(h);
    h.bs[7]!.state = 'down';
    h.changed();
    const after = owners(h);
    expect(after).not.toContain(h.bs[7]!.id);
    const moved = before.filter((id, i) => id !== after[i]).length / 256;
    expect(moved).toBeGreaterThan(0.8);
    expect(moved).toBeLessThan(0.95);
  });

  it('a request without its hash key falls back to wlc (never crashes)', () => {
    const bs = [{ ...mk('a'), active: 3 }, mk('b'), mk('c')];
    const h = new Harness(dh, bs);
    expect(h.id(undefined)).toBe('b');
    drain(bs[1]!);
    bs[2]!.state = 'down';
    bs[0]!.state = 'down';
    h.changed();
    expect(h.id(undefined)).toBeNull();
    expect(h.id('/x')).toBeNull();
  });

  it('hashKey client-ip uses the IPVS integer mix: bucket = (ip·0x61C88647 mod 2^32) >>> 24', () => {
    const h = new Harness(dh, many(256));
    for (const ip of ['10.0.0.1', '192.168.7.200', '1.2.3.4']) {
      const v = BigInt(ip.split('.').reduce((a, x) => a * 256 + Number(x), 0));
      const bucket = Number(((v * 0x61c88647n) % 2n ** 32n) >> 24n);
      expect(h.id(ip, { clientIp: ip })).toBe(h.bs[bucket]!.id);
    }
  });

  it('tableBits is validated with its key path; 4 bits → 16 buckets', () => {
    const problems: Problem[] = [];
    dh.parse({ tableBits: 0 }, 'pools.p', problems);
    dh.parse({ tableBits: 'x' }, 'pools.p', problems);
    expect(problems.map((p) => p.path)).toEqual(['pools.p.tableBits', 'pools.p.tableBits']);
    expect(parseOk(dh, {})).toEqual({ tableBits: 8 });
    expect(table(new Harness(dh, many(3), { tableBits: 4 })).length).toBe(16);
  });
});
