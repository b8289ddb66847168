import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lblc } from '../../src/schedulers/lblc.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import { wlcSelect } from '../../src/schedulers/select.js';
import { H, backends, drain, keys, loads, parse, undrain } from './locality-kit.js';

const MIN = 60_000;
type Table = { table: Map<string, { id: string; lastUse: number }> };

describe('lblc', () => {
  it('is registered with its parameter, validated with a key path', () => {
    expect(getScheduler('lblc')).toBe(lblc);
    expect(parse(lblc).params).toEqual({ expiration: 86_400 });
    expect(parse(lblc, { expiration: 0 }).problems.map((p) => p.path)).toEqual(['pools.p.expiration']);
    expect(parse(lblc, { expiration: 'x' }).problems.map((p) => p.path)).toEqual(['pools.p.expiration']);
  });

  it('property 1: a target stays on its backend while that is eligible and not overloaded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 19 }), fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 8, maxLength: 8 })), { maxLength: 200 }),
        (n, ops) => {
          const bs = backends(n, () => 10);
          const h = new H(lblc, bs);
          const owner = new Map<string, string>();
          for (const [k, ls] of ops) {
            loads(bs, ...ls.slice(0, n)); // active ≤ weight: nothing is overloaded
            const key = `/t/${k}`;
            const b = h.pick(key)!;
            const prev = owner.get(key);
            if (prev !== undefined) expect(b.id).toBe(prev);
            else expect(b).toBe(wlcSelect(bs));
            owner.set(key, b.id);
          }
        },
      ),
      { seed: 101, numRuns: 200 },
    );
  });

  it('property 2: weights 10/10 — A at 11, B at 4 moves the target; B at 5 keeps it', () => {
    const bs = backends(2, () => 10);
    const [a, b] = bs as [typeof bs[0], typeof bs[0]];
    const h = new H(lblc, bs);
    expect(h.pick('/x')).toBe(a);
    loads(bs, 11, 5);
    expect(h.pick('/x')).toBe(a);
    loads(bs, 11, 4);
    expect(h.pick('/x')).toBe(b);
    loads(bs, 0, 4);
    expect(h.pick('/x')).toBe(b); // the entry was updated
  });

  it('property 3: draining, downing or removing the backend reschedules by wlc and updates the entry', () => {
    const bs = backends(3);
    const [a, b, c] = bs as [typeof bs[0], typeof bs[0], typeof bs[0]];
    const h = new H(lblc, bs);
    expect(h.pick('/x')).toBe(a);
    drain(a);
    h.changed();
    loads(bs, 0, 1, 0);
    expect(h.pick('/x')).toBe(c);
    undrain(a);
    h.changed();
    expect(h.pick('/x')).toBe(c); // stays where it was rescheduled
    c.state = 'down';
    h.changed();
    expect(h.pick('/x')).toBe(a);
    h.changed([b, c]); // a removed
    c.state = 'active';
    loads(bs, 0, 3, 2);
    expect(h.pick('/x')).toBe(c);
  });

  it('property 4: an entry unused for 24 h is gone after the next full sweep (every 30th minute tick)', () => {
    const bs = backends(2, () => 100);
    const h = new H(lblc, bs);
    expect(h.pick('/x')).toBe(bs[0]);
    loads(bs, 50, 0); // not overloaded: the entry would keep /x on the first backend
    h.now = 24 * 60 * MIN - MIN; // 23:59, no full sweep yet has seen it idle for 24 h
    expect(h.peek('/x')).toBe(bs[0]);
    h.now = 24 * 60 * MIN; // 24:00 is the 1440th tick, a full sweep (1440 = 48 × 30)
    expect(h.peek('/x')).toBe(bs[1]);
    // with a short expiration: removed at the first full sweep (30 min), not before
    const h2 = new H(lblc, backends(2, () => 100), { expiration: 60 });
    h2.pick('/y');
    h2.now = 29 * MIN;
    h2.pick('/z');
    expect(h2.state<Table>().table.has('/y')).toBe(true);
    h2.now = 30 * MIN;
    h2.pick('/z');
    expect([...h2.state<Table>().table.keys()]).toEqual(['/z']);
  });

  it('property 4: beyond 16 384 entries, entries idle ≥ 6 min are collected, min(4/3 excess, 8192) at a time', () => {
    const h = new H(lblc, backends(4));
    for (const k of keys(20_000)) h.pick(k);
    expect(h.state<Table>().table.size).toBe(20_000);
    h.now = 5 * MIN; // ticks at 1..5 min: nothing idle for 6 min yet
    h.pick('/obj/0');
    expect(h.state<Table>().table.size).toBe(20_000);
    h.now = 6 * MIN + 1; // the 6-min tick removes ⌊3616·4/3⌋ = 4821 idle entries (not /obj/0)
    h.pick('/new');
    expect(h.state<Table>().table.size).toBe(20_000 - 4821 + 1);
    expect(h.state<Table>().table.has('/obj/0')).toBe(true);
  });

  it('a request without a key goes by wlc and leaves the table alone; no eligible backend → null', () => {
    const bs = backends(3);
    const h = new H(lblc, bs);
    loads(bs, 2, 1, 3);
    expect(h.pick(undefined)).toBe(bs[1]);
    expect(h.state<Table>().table.size).toBe(0);
    for (const b of bs) drain(b);
    expect(h.pick('/x')).toBeNull();
    expect(h.pick(undefined)).toBeNull();
  });

  it('explain peeks on a structuredClone without changing the table', () => {
    const h = new H(lblc, backends(3));
    h.peek('/x');
    expect(h.state<Table>().table.size).toBe(0);
    h.pick('/x');
    expect(h.peek('/x')).toBe(h.pick('/x'));
  });
});
