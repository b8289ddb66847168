// Scheduler parameters as pool keys, validated at config load (validate → SchedulerDef.parse), and
// the pool runtime driving each of this set of schedulers, including requests without a hash key.
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { PoolRuntime } from '../../src/pools/pool.js';

const cfg = (pool: Record<string, unknown>) => ({
  pools: { p: { backends: ['http://127.0.0.1:9101', 'http://127.0.0.1:9102', { url: 'http://127.0.0.1:9103', weight: 2 }], ...pool } },
  routes: [{ match: {}, pool: 'p' }],
});
const problems = (pool: Record<string, unknown>) => validate(cfg(pool)).problems.map((p) => p.path);
const NAMES = ['wrr', 'lc', 'wlc', 'sed', 'nq', 'dh', 'sh', 'mh', 'maglev', 'p2c', 'ewma'];

describe('scheduler parameters at config load', () => {
  it('every scheduler of this set is accepted by name; the default is wlc', () => {
    for (const scheduler of NAMES) expect(problems({ scheduler })).toEqual([]);
    const { config } = validate(cfg({}));
    expect(config!.pools.p!.scheduler).toBe('wlc');
    expect(validate(cfg({ scheduler: 'maglev' })).config!.pools.p!.scheduler).toBe('mh');
  });

  it('parameters are parsed with defaults and reported with their key paths', () => {
    expect(validate(cfg({ scheduler: 'mh' })).config!.pools.p!.params).toEqual({ tableSize: 65537, fallback: false, port: false });
    expect(validate(cfg({ scheduler: 'sh', fallback: true })).config!.pools.p).toMatchObject({
      params: { tableBits: 8, fallback: true, port: false }, hashKey: { kind: 'client-ip' },
    });
    expect(validate(cfg({ scheduler: 'dh' })).config!.pools.p!.hashKey).toEqual({ kind: 'path' });
    expect(problems({ scheduler: 'mh', tableSize: 1000 })).toEqual(['pools.p.tableSize']);
    expect(problems({ scheduler: 'dh', tableBits: 21 })).toEqual(['pools.p.tableBits']);
    expect(problems({ scheduler: 'sh', port: 1 })).toEqual(['pools.p.port']);
    expect(problems({ scheduler: 'p2c', choices: 0 })).toEqual(['pools.p.choices']);
    expect(problems({ scheduler: 'ewma', decay: 'slow', defaultRtt: -3 })).toEqual(['pools.p.decay', 'pools.p.defaultRtt']);
  });

  it('a parameter of another scheduler is an unknown key', () => {
    expect(problems({ scheduler: 'wrr', tableSize: 251 })).toContain('pools.p.tableSize');
    expect(problems({ scheduler: 'p2c', decay: 5 })).toContain('pools.p.decay');
  });
});

describe('pool runtime with these schedulers', () => {
  it('every one picks, dispatches and completes; a request without its hash key still gets a backend', () => {
    for (const scheduler of NAMES) {
      const { config } = validate(cfg({ scheduler }));
      const pool = new PoolRuntime(config!.pools.p!, 0, 1);
      for (let i = 0; i < 30; i++) {
        const b = pool.pick({ key: i % 3 === 0 ? undefined : `/k/${i}`, clientIp: '10.0.0.7', clientPort: 5000 + i, now: i });
        expect(b, scheduler).not.toBeNull();
        pool.start(b!, i);
        if (i % 2 === 0) pool.end(b!, 12, true, i + 1);
      }
    }
  });

  it('drain and re-enable through the pool: mh keeps its table, wrr restarts its cycle', () => {
    const mhPool = new PoolRuntime(validate(cfg({ scheduler: 'mh' })).config!.pools.p!, 0, 1);
    const mhState = (): { table: Int32Array; builds: number } => mhPool.state as unknown as { table: Int32Array; builds: number };
    const table = mhState().table;
    mhPool.backends[0]!.adminState = 'drain';
    expect(mhPool.refresh(1)).toBe(true);
    expect(mhState().builds).toBe(1);
    expect(mhState().table).toBe(table);
    const wrrPool = new PoolRuntime(validate(cfg({ scheduler: 'wrr' })).config!.pools.p!, 0, 1);
    const ids = () => Array.from({ length: 4 }, () => wrrPool.pick({ key: undefined, clientIp: '', clientPort: 0, now: 0 })!.port % 10).join('');
    expect(ids()).toBe('3123');
    wrrPool.backends[2]!.adminState = 'drain';
    wrrPool.refresh(1);
    expect(ids()).toBe('1212');
  });
});
