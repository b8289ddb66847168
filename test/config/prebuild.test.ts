// Tables built in the loading worker (src/pools/prebuild.ts) are the ones the schedulers use when
// the config is swapped in, and equal what the schedulers would have built themselves.
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { EventBus } from '../../src/events.js';
import { PoolRuntime } from '../../src/pools/pool.js';
import { poolHints, prebuildTables } from '../../src/pools/prebuild.js';
import { reconcilePools } from '../../src/pools/reconcile.js';
import { maglevTable } from '../../src/schedulers/mh.js';
import { withPrebuilt } from '../../src/schedulers/prebuilt.js';

const urls = (n: number) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:${22000 + i}`);
function config(mhBackends: string[], M: number) {
  const { config, problems } = validate({
    pools: {
      m: { scheduler: 'mh', tableSize: M, backends: mhBackends },
      c: { scheduler: 'chbl', minRingSize: 64, backends: urls(5) },
    },
    routes: [{ pool: 'm' }],
  });
  if (!config) throw new Error(JSON.stringify(problems));
  return config;
}

describe('prebuilt scheduler tables', () => {
  it('new pools take the prebuilt mh table and chbl ring, equal to a local build', () => {
    const cfg = config(urls(7), 4093);
    const { tables, buffers } = prebuildTables(cfg);
    expect(buffers).toHaveLength(4); // one table, a ring's three arrays
    const pools = withPrebuilt(tables, () => new Map(Object.values(cfg.pools).map((s) => [s.name, new PoolRuntime(s, 0)])));
    const mh = pools.get('m')!.state as unknown as { table: Int32Array };
    expect([...tables.values()]).toContain(mh.table);
    expect(mh.table).toEqual(maglevTable(urls(7).map((u) => u.slice(7)), Array(7).fill(1), 4093));
    const ring = (pools.get('c')!.state as unknown as { ring: unknown }).ring;
    expect([...tables.values()]).toContain(ring);
    // offers end with the apply: a later build is local again
    expect([...tables.values()]).not.toContain((new PoolRuntime(cfg.pools.m!, 0).state as unknown as { table: Int32Array }).table);
  });

  it('predicts the running pool: a backend down now stays out of the prebuilt table on reload', () => {
    const events = new EventBus();
    const before = config(urls(4), 4093);
    const pools = new Map(Object.values(before.pools).map((s) => [s.name, new PoolRuntime(s, 0)]));
    const down = pools.get('m')!.backends[1]!;
    down.healthy = false;
    pools.get('m')!.refresh(0);
    const next = config(urls(6), 4093);
    const { tables } = prebuildTables(next, poolHints(pools));
    withPrebuilt(tables, () => reconcilePools(pools, next, events, 0));
    const st = pools.get('m')!.state as unknown as { table: Int32Array; members: string[] };
    expect(st.members).not.toContain(down.id);
    expect(st.members).toHaveLength(5);
    expect([...tables.values()]).toContain(st.table);
  });
});
