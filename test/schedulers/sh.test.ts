import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sh } from '../../src/schedulers/sh.js';
import { drain, Harness, letters, many, mk } from './core-kit.js';

const table = (h: Harness<unknown>): Int32Array => h.state<{ table: Int32Array }>().table;
const owners = (h: Harness<unknown>): string => Array.from(table(h), (i) => h.bs[i]!.id).join('');
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const u32 = (ip: string): bigint => BigInt(ip.split('.').reduce((a, x) => a * 256 + Number(x), 0));
const bucketOf = (v: bigint): number => Number(((v * 0x61c88647n) % 2n ** 32n) >> 24n);
/** pick as the router does for hashKey client-ip: the key is the client address */
const byClient = (h: Harness<unknown>, ip: string, port = 40000): string | null => h.id(ip, { clientIp: ip, clientPort: port });

describe('sh (source hashing)', () => {
  it('weights A=2, B=1 → buckets A A B repeating: 171 for A, 85 for B', () => {
    const h = new Harness(sh, letters(2, [2, 1]));
    const o = owners(h);
    expect(o.slice(0, 9)).toBe('aabaabaab');
    expect([...o].filter((c) => c === 'a').length).toBe(171);
    expect([...o].filter((c) => c === 'b').length).toBe(85);
  });

  it('a weight-0 backend still gets one bucket per lap', () => {
    expect(owners(new Harness(sh, letters(3, [2, 0, 1]))).slice(0, 8)).toBe('aabcaabc');
  });

  it('property: same client → same backend while table and eligibility are unchanged; bucket = IPVS mix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(ipv4, { minLength: 1, maxLength: 20 }), (n, ips) => {
        const h = new Harness(sh, many(n, (i) => 1 + (i % 3)));
        const h2 = new Harness(sh, many(n, (i) => 1 + (i % 3)));
        for (const ip of ips) {
          const b = byClient(h, ip);
          expect(b).toBe(h.bs[table(h)[bucketOf(u32(ip))]!]!.id);
          expect(byClient(h, ip, 1234)).toBe(b); // the port is ignored unless port: true
          expect(byClient(h2, ip)).toBe(b);
        }
      }),
      { seed: 31, numRuns: 100 },
    );
  });

  it('a drained backend’s clients get null; with fallback a deterministic substitute at (2h + i) mod 256', () => {
    const mkSet = () => letters(3, [1, 1, 1]);
    const plain = new Harness(sh, mkSet());
    const fb = new Harness(sh, mkSet(), { fallback: true });
    for (const h of [plain, fb]) {
      drain(h.bs[1]!);
      h.changed();
    }
    let seen = 0;
    for (let x = 0; x < 300; x++) {
      const ip = `10.1.${x >> 8}.${x & 255}`;
      const hb = bucketOf(u32(ip));
      const owner = table(plain)[hb]!;
      if (owner !== 1) {
        expect(byClient(plain, ip)).toBe(plain.bs[owner]!.id);
        continue;
      }
      seen++;
      expect(byClient(plain, ip)).toBeNull();
      let want: string | undefined;
      for (let i = 0; i < 256 && want === undefined; i++) {
        const j = table(fb)[(2 * hb + i) % 256]!;
        if (j !== 1) want = fb.bs[j]!.id;
      }
      expect(byClient(fb, ip)).toBe(want);
      expect(byClient(fb, ip)).toBe(want);
    }
    expect(seen).toBeGreaterThan(50);
  });

  it('IPv6 clients map through the XOR fold of their four 32-bit words; ::ffff:a.b.c.d = a.b.c.d', () => {
    const h = new Harness(sh, many(256));
    const ip = '2001:db8:0:1::5';
    const words = [0x20010db8n, 0x00000001n, 0n, 5n];
    const fold = words.reduce((a, w) => a ^ w, 0n);
    expect(byClient(h, ip)).toBe(h.bs[bucketOf(fold)]!.id);
    expect(byClient(h, '::ffff:10.9.8.7')).toBe(byClient(h, '10.9.8.7'));
  });

  it('port: true adds the source port before mixing', () => {
    const h = new Harness(sh, many(256), { port: true });
    const ip = '10.0.0.1';
    for (const port of [1, 80, 40000, 65535]) expect(byClient(h, ip, port)).toBe(h.bs[bucketOf(u32(ip) + BigInt(port))]!.id);
  });

  it('down backends leave the table; a missing key falls back to wlc', () => {
    const bs = [mk('a'), mk('b'), mk('c')];
    const h = new Harness(sh, bs);
    bs[0]!.state = 'down';
    h.changed();
    expect(owners(h)).not.toContain('a');
    expect(h.id(undefined)).toBe('b');
  });
});
