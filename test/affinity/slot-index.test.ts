// The client-key index behaves exactly like a Map, for IPv4 keys (open addressing) and others alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotIndex, ipv4Value } from '../../src/affinity/slot-index.js';

describe('ipv4Value', () => {
  it('takes canonical dotted quads only', () => {
    expect(ipv4Value('10.0.0.7')).toBe(0x0a000007);
    expect(ipv4Value('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(ipv4Value('0.0.0.0')).toBe(0);
    for (const k of ['010.0.0.7', '10.0.0', '10.0.0.7.1', '256.0.0.1', '10..0.1', '10.0.0.', '::1', 'a.b.c.d', '1.2.3.4 ', '']) {
      expect(ipv4Value(k), k).toBe(-1);
    }
  });
});

describe('SlotIndex', () => {
  const key = fc.oneof(
    fc.tuple(fc.nat(1), fc.nat(1), fc.nat(3), fc.nat(31)).map((p) => p.join('.')), // 512 keys: repeats, long probe runs
    fc.ipV4(),
    fc.constantFrom('sess-1', 'sess-2', '[::1]:80#3', '010.0.0.1', '10.0.0.1'),
  );
  const op = fc.tuple(fc.constantFrom('set', 'get', 'delete'), key, fc.nat(1_000_000));

  it('matches a Map over seeded random set / get / delete sequences', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const idx = new SlotIndex();
        const ref = new Map<string, number>();
        for (const [o, k, v] of ops) {
          if (o === 'set') {
            idx.set(k, v);
            ref.set(k, v);
          } else if (o === 'get') expect(idx.get(k)).toBe(ref.get(k));
          else expect(idx.delete(k)).toBe(ref.delete(k));
          expect(idx.size).toBe(ref.size);
        }
        for (const [k, v] of ref) expect(idx.get(k)).toBe(v);
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});
