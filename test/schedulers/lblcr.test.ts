import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lblcOverloaded } from '../../src/schedulers/lblc.js';
import { lblcr } from '../../src/schedulers/lblcr.js';
import { getScheduler } from '../../src/schedulers/registry.js';
import { overhead, wlcSelect } from '../../src/schedulers/select.js';
import { eligible } from '../../src/schedulers/types.js';
import { H, backends, drain, keys, loads, parse, type B } from './locality-kit.js';

const DAY = 86_400_000;
type Entry = { set: string[]; lastMod: number; lastUse: number };
type Table = { table: Map<string, Entry> };
const setOf = (h: H<unknown>, key: string): string[] | undefined => h.state<Table>().table.get(key)?.set;

describe('lblcr', () => {
  it('is registered with `expiration` (24 h default)', () => {
    expect(getScheduler('lblcr')).toBe(lblcr);
    expect(parse(lblcr).params).toEqual({ expiration: 86_400 });
    expect(parse(lblcr, { expiration: -5 }).problems.map((p) => p.path)).toEqual(['pools.p.expiration']);
  });

  it('grows the set by the cluster-wide wlc choice only when its best member is overloaded', () => {
    const bs = backends(3, () => 10);
    const [a, b, c] = bs as [B, B, B];
    const h = new H(lblcr, bs);
    expect(h.pick('/x')).toBe(a);
    expect(setOf(h, '/x')).toEqual([a.id]);
    loads(bs, 10, 6, 5); // a at its weight: not overloaded
    expect(h.pick('/x')).toBe(a);
    loads(bs, 11, 6, 5); // a overloaded but no backend below half load
    expect(h.pick('/x')).toBe(a);
    loads(bs, 11, 6, 4); // c below half: grow by wlc (c)
    h.now = 1000;
    expect(h.pick('/x')).toBe(c);
    expect(setOf(h, '/x')).toEqual([c.id, a.id]); // newest first
    expect(h.state<Table>().table.get('/x')!.lastMod).toBe(1000);
    loads(bs, 3, 0, 3); // requests go to the weighted least-loaded member (b is not one)
    expect(h.pick('/x')).toBe(c);
    loads(bs, 3, 3, 3); // tie → the member added most recently
    expect(h.pick('/x')).toBe(c);
    loads(bs, 2, 3, 3);
    expect(h.pick('/x')).toBe(a);
    void b;
  });

  it('shrinks by its weighted most-loaded member only after `expiration` without modification', () => {
    const bs = backends(3, () => 10);
    const [a, , c] = bs as [B, B, B];
    const h = new H(lblcr, bs);
    h.pick('/x');
    loads(bs, 11, 6, 4);
    h.now = 5000;
    h.pick('/x'); // set = [c, a], lastMod 5000
    loads(bs, 1, 0, 2);
    h.now = 5000 + DAY; // not yet (strictly after)
    expect(h.pick('/x')).toBe(a);
    expect(setOf(h, '/x')).toEqual([c.id, a.id]);
    h.now = 5001 + DAY; // c is the most loaded member → removed; a (least loaded) serves
    expect(h.pick('/x')).toBe(a);
    expect(setOf(h, '/x')).toEqual([a.id]);
    for (let i = 0; i < 4; i++) {
      h.now += DAY / 2; // used twice a day: a single member never shrinks, the entry never expires
      expect(h.pick('/x')).toBe(a);
      expect(setOf(h, '/x')).toEqual([a.id]);
    }
  });

  it('keeps the kernel order: n is chosen before the shrink and used even if it was the member removed', () => {
    const bs = backends(2, () => 10);
    const [a, b] = bs as [B, B];
    const h = new H(lblcr, bs);
    h.pick('/x');
    loads(bs, 11, 0);
    h.pick('/x'); // [b, a]
    loads(bs, 4, 4); // tie: min and max are both the head (b)
    h.now = DAY / 2;
    expect(h.pick('/x')).toBe(b); // a use (keeps the entry alive), not a modification
    h.now = DAY + 1;
    expect(h.pick('/x')).toBe(b);
    expect(setOf(h, '/x')).toEqual([a.id]);
  });

  it('never chooses a drained member and never shrinks it away; down members are dropped as stale', () => {
    const bs = backends(3, () => 10);
    const [a, b, c] = bs as [B, B, B];
    const h = new H(lblcr, bs);
    h.pick('/x');
    loads(bs, 11, 4, 6);
    h.pick('/x'); // [b, a]
    loads(bs, 0, 5, 0);
    drain(a);
    h.changed();
    expect(h.pick('/x')).toBe(b);
    h.now = DAY / 2;
    h.pick('/x');
    h.now = DAY + 1; // shrink: max over weight > 0 members is b; n (b) still serves this one
    expect(h.pick('/x')).toBe(b);
    expect(setOf(h, '/x')).toEqual([a.id]);
    // only a drained member left: n = null → wlc over all (c) joins the set
    h.now += 1;
    expect(h.pick('/x')).toBe(c);
    expect(setOf(h, '/x')).toEqual([c.id, a.id]);
    c.state = 'down';
    h.changed();
    expect(h.pick('/x')).toBe(b);
    expect(setOf(h, '/x')).toEqual([b.id, a.id]);
  });

  it('random runs: each pick is the set minimum unless overloaded, else the wlc choice, which joins the set', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: 5 }),
            ls: fc.array(fc.integer({ min: 0, max: 14 }), { minLength: 4, maxLength: 4 }),
            dt: fc.integer({ min: 0, max: 2 * DAY }),
          }),
          { maxLength: 120 },
        ),
        (ops) => {
          const bs = backends(4, (i) => 6 + 2 * i);
          const h = new H(lblcr, bs);
          for (const { k, ls, dt } of ops) {
            loads(bs, ...ls);
            h.now += dt;
            const key = `/t/${k}`;
            h.pick('/probe'); // runs the table's expiry ticks due by now
            const before = setOf(h, key)?.slice();
            const lastMod = h.state<Table>().table.get(key)?.lastMod ?? 0;
            const got = h.pick(key)!;
            const after = setOf(h, key)!;
            if (before === undefined) {
              expect(got).toBe(wlcSelect(bs));
              expect(after).toEqual([got.id]);
              continue;
            }
            const ms = before.map((id) => bs.find((b) => b.id === id)!);
            let n: B | null = null;
            for (const d of ms) if (eligible(d) && (n === null || overhead(n) * d.weight > overhead(d) * n.weight)) n = d;
            let m: B | null = null;
            for (const d of ms) if (d.weight > 0 && (m === null || overhead(m) * d.weight < overhead(d) * m.weight)) m = d;
            const shrink = before.length > 1 && h.now - lastMod > 86_400_000;
            const kept = shrink ? before.filter((id) => id !== m!.id) : before;
            if (n !== null && !lblcOverloaded(n, bs)) {
              expect(got).toBe(n);
              expect(after).toEqual(kept);
            } else {
              expect(got).toBe(wlcSelect(bs));
              expect(after).toEqual(kept.includes(got.id) ? kept : [got.id, ...kept]);
            }
          }
        },
      ),
      { seed: 202, numRuns: 200 },
    );
  });

  it('expires unused entries like lblc (full sweep, 24 h)', () => {
    const h = new H(lblcr, backends(2));
    for (const k of keys(10)) h.pick(k);
    h.now = DAY;
    h.pick('/new');
    expect([...h.state<Table>().table.keys()]).toEqual(['/new']);
  });

  it('a request without a key goes by wlc and never touches the table', () => {
    const bs = backends(3);
    const h = new H(lblcr, bs);
    loads(bs, 1, 1, 0);
    expect(h.pick(undefined)).toBe(bs[2]);
    expect(h.state<Table>().table.size).toBe(0);
  });
});
