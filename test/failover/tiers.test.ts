// The pool layer's tiers with every scheduler: the scheduler of each tier sees its own backends
// only, also when a pool has nothing but backups; explain's peek moves no cursor of either tier.
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { PoolRuntime } from '../../src/pools/pool.js';
import { schedulerNames } from '../../src/schedulers/registry.js';

const pool = (scheduler: string, backends: unknown[]) => new PoolRuntime(validate({ pools: { p: { scheduler, backends } }, routes: [{ pool: 'p' }] }).config!.pools.p!, 0);
const ctx = (key: string) => ({ key, clientIp: '10.0.0.1', clientPort: 1000, now: 0 });
const B1 = { url: 'http://127.0.0.1:9201', backup: true };
const B2 = { url: 'http://127.0.0.1:9202', backup: true };

describe.each(schedulerNames())('scheduler %s with backups', (scheduler) => {
  it('picks primaries only while one takes work, then the backups, then primaries again', () => {
    const p = pool(scheduler, ['http://127.0.0.1:9101', B1, 'http://127.0.0.1:9102', B2]);
    const ids = (n: number) => new Set(Array.from({ length: n }, (_, i) => {
      const b = p.pick(ctx(`/k${i}`))!;
      p.start(b, 0);
      p.end(b, 1, true, 0);
      return b.id.slice(-4);
    }));
    expect([...ids(16)].every((x) => x.startsWith('91'))).toBe(true);
    expect(p.primaries.map((b) => b.id.slice(-4))).toEqual(['9101', '9102']);
    for (const b of p.primaries) b.adminState = 'disabled';
    p.refresh(0, true);
    expect(p.backup!.serving).toBe(true);
    expect(p.up).toBe(true);
    expect([...ids(16)].every((x) => x.startsWith('92'))).toBe(true);
    p.primaries[1]!.adminState = 'active';
    p.refresh(0, true);
    expect([...ids(8)]).toEqual(['9102']);
    for (const b of p.backends) b.adminState = 'disabled';
    p.refresh(0, true);
    expect([p.up, p.pick(ctx('/x'))]).toEqual([false, null]);
  });

  it('serves a pool of backups only; peek does not move the tier', () => {
    const p = pool(scheduler, [B1, B2]);
    expect(p.primaries).toEqual([]);
    const first = p.peek(ctx('/a'))!;
    expect(p.peek(ctx('/a'))).toBe(first);
    expect(p.pick(ctx('/a'))).toBe(first);
    expect(first.backup).toBe(true);
  });
});
