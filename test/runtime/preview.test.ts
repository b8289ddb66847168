// Reload impact preview against a real router (src/runtime/preview.ts, src/runtime/dry-run.ts):
// keys that move on mh and wrr when a pool grows from 4 to 5 backends, the pins a removed backend
// takes with it, and how close the preview comes to what the applied reload then does.
import { afterEach, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { dryRunConfig } from '../../src/runtime/dry-run.js';
import type { PoolPreview } from '../../src/runtime/preview.js';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';

const KEYS = Array.from({ length: 300 }, (_, i) => `/k/${i}`);
let tr: TestRouter | undefined;
let backends: TestServer[] = [];

afterEach(async () => {
  await tr?.close();
  await Promise.all(backends.map((b) => b.close()));
  tr = undefined;
  backends = [];
});

function config(pool: Record<string, unknown>, n: number): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
    pools: { web: { ...pool, backends: backends.slice(0, n).map((b) => b.url) } },
    routes: [{ name: 'all', match: {}, pool: 'web' }],
  };
}

function parsed(raw: Record<string, unknown>) {
  const { config: c, problems } = validate(raw);
  if (!c) throw new Error(JSON.stringify(problems));
  return c;
}

/** Which backend answered each path, in order. */
async function pass(paths: readonly string[], headers: (i: number) => Record<string, string> = () => ({})): Promise<string[]> {
  const out: string[] = [];
  for (const [i, p] of paths.entries()) {
    const r = await fetch(tr!.url + p, { headers: headers(i) });
    await r.arrayBuffer();
    out.push(r.headers.get('x-backend') ?? '?');
  }
  return out;
}

async function growFrom4To5(pool: Record<string, unknown>, keys = KEYS): Promise<{ preview: PoolPreview; actual: number }> {
  backends = await Promise.all(['b0', 'b1', 'b2', 'b3', 'b4'].map((n) => echoBackend(n)));
  tr = await startRouter(config(pool, 4));
  const before = await pass(keys);
  const next = parsed(config(pool, 5));
  const preview = dryRunConfig(tr.router.runtime, next).pools.find((p) => p.pool === 'web')!;
  tr.router.apply(next);
  const after = await pass(keys);
  const actual = before.filter((b, i) => b !== after[i]).length / keys.length;
  return { preview, actual };
}

describe('reload preview: keys that move', () => {
  it('mh from 4 to 5 backends moves about 1/5 of the keys, as the applied reload then does', async () => {
    const { preview, actual } = await growFrom4To5({ scheduler: 'mh' });
    expect(preview.keys.sampled).toBe(KEYS.length);
    expect(preview.keys.distinct).toBe(KEYS.length);
    expect(preview.keys.share!).toBeGreaterThan(0.12);
    expect(preview.keys.share!).toBeLessThan(0.28);
    expect(preview.backends.added).toEqual([`127.0.0.1:${backends[4]!.port}`]);
    expect(preview.scheduler).toEqual({ before: 'mh', after: 'mh', stateKept: true });
    // accuracy against the applied reload, on the same keys
    console.log(`preview accuracy, mh 4→5: predicted ${preview.keys.share!.toFixed(4)}, applied ${actual.toFixed(4)}`);
    expect(Math.abs(preview.keys.share! - actual)).toBeLessThanOrEqual(0.01);
    // consistent hashing: most moved keys go to the new backend
    const toNew = preview.keys.top.filter((m) => m.to === `127.0.0.1:${backends[4]!.port}`).length;
    expect(toNew).toBeGreaterThanOrEqual(preview.keys.top.length / 2);
  });

  it('wrr with the same change moves most keys, as the applied reload then does', async () => {
    const { preview, actual } = await growFrom4To5({ scheduler: 'wrr' });
    expect(preview.keys.sampled).toBe(KEYS.length);
    expect(preview.keys.share!).toBeGreaterThan(0.6);
    console.log(`preview accuracy, wrr 4→5: predicted ${preview.keys.share!.toFixed(4)}, applied ${actual.toFixed(4)}`);
    expect(Math.abs(preview.keys.share! - actual)).toBeLessThanOrEqual(0.05);
  });

  it.each(['chbl', 'lard', 'lblc'])('%s from 4 to 5 backends: the preview matches the applied reload', async (scheduler) => {
    const { preview, actual } = await growFrom4To5({ scheduler }, KEYS.slice(0, 150));
    console.log(`preview accuracy, ${scheduler} 4→5: predicted ${preview.keys.share!.toFixed(4)}, applied ${actual.toFixed(4)}`);
    expect(preview.keys.sampled).toBe(150);
    expect(Math.abs(preview.keys.share! - actual)).toBeLessThanOrEqual(0.05);
  });

  it('changing the scheduler replays through a fresh instance of the new one', async () => {
    backends = await Promise.all(['b0', 'b1', 'b2', 'b3'].map((n) => echoBackend(n)));
    tr = await startRouter(config({ scheduler: 'mh' }, 4));
    const before = await pass(KEYS);
    const next = parsed(config({ scheduler: 'dh' }, 4));
    const preview = dryRunConfig(tr.router.runtime, next).pools[0]!;
    tr.router.apply(next);
    const after = await pass(KEYS);
    const actual = before.filter((b, i) => b !== after[i]).length / KEYS.length;
    expect(preview.scheduler).toEqual({ before: 'mh', after: 'dh', stateKept: false });
    expect(preview.fields).toContain('scheduler');
    expect(preview.keys.share!).toBeGreaterThan(0.5);
    expect(Math.abs(preview.keys.share! - actual)).toBeLessThanOrEqual(0.01);
  });

  it.each(['mh', 'wrr'])('%s with a backup backend: the replay sees the primaries only, as the pool does', async (scheduler) => {
    backends = await Promise.all(['b0', 'b1', 'b2', 'b3', 'b4', 'bk'].map((n) => echoBackend(n)));
    const withBackup = (n: number) => {
      const raw = config({ scheduler }, n);
      (raw.pools as { web: { backends: unknown[] } }).web.backends.push({ url: backends[5]!.url, backup: true });
      return raw;
    };
    tr = await startRouter(withBackup(4));
    const keys = KEYS.slice(0, 200);
    const before = await pass(keys);
    expect(before).not.toContain('bk');
    const next = parsed(withBackup(5));
    const preview = dryRunConfig(tr.router.runtime, next).pools[0]!;
    tr.router.apply(next);
    const after = await pass(keys);
    const actual = before.filter((b, i) => b !== after[i]).length / keys.length;
    expect(preview.keys.top.every((m) => m.from !== `127.0.0.1:${backends[5]!.port}` && m.to !== `127.0.0.1:${backends[5]!.port}`)).toBe(true);
    expect(Math.abs(preview.keys.share! - actual)).toBeLessThanOrEqual(scheduler === 'mh' ? 0.01 : 0.05);
  });

  // rr records no key; sh records the client address, not the path mh would hash
  it.each(['rr', 'sh'])('a %s pool recorded no path for a path-hashing one: those requests are counted as unkeyed', async (scheduler) => {
    backends = await Promise.all(['b0', 'b1'].map((n) => echoBackend(n)));
    tr = await startRouter(config({ scheduler }, 2));
    await pass(KEYS.slice(0, 10));
    const p = dryRunConfig(tr.router.runtime, parsed(config({ scheduler: 'mh' }, 2))).pools[0]!;
    expect(p.keys).toMatchObject({ sampled: 0, unkeyed: 10, share: null });
    // to sh (hashing the client address) every request has its key
    const sh = dryRunConfig(tr.router.runtime, parsed(config({ scheduler: 'sh' }, 2))).pools[0]!;
    expect(sh.keys).toMatchObject({ sampled: 10, unkeyed: 0 });
  });
});

describe('reload preview: pinned sessions', () => {
  it('removing a backend reports exactly its pinned sessions', async () => {
    backends = await Promise.all(['b0', 'b1', 'b2', 'b3'].map((n) => echoBackend(n)));
    const pool = { scheduler: 'rr', affinity: { header: 'x-user' } };
    tr = await startRouter(config(pool, 4));
    const users = Array.from({ length: 42 }, (_, i) => `u${i}`);
    const got = await pass(users.map(() => '/'), (i) => ({ 'x-user': users[i]! }));
    const gone = backends[2]!;
    const expected = got.filter((b) => b === 'b2').length;
    expect(expected).toBeGreaterThan(0);
    const raw = config(pool, 4);
    (raw.pools as { web: { backends: string[] } }).web.backends = backends.filter((b) => b !== gone).map((b) => b.url);
    const p = dryRunConfig(tr.router.runtime, parsed(raw)).pools[0]!;
    expect(p.pinned).toEqual({ entries: users.length, leaving: expected, byBackend: [{ backend: `127.0.0.1:${gone.port}`, entries: expected }] });
    expect(p.backends.removed).toEqual([`127.0.0.1:${gone.port}`]);
    // nothing was applied
    expect(tr.router.pools.get('web')!.backends).toHaveLength(4);
    expect(tr.router.current.version).toBe(1);
  });

  it('a removed pool takes all its pins and all its keys', async () => {
    backends = await Promise.all(['b0', 'b1'].map((n) => echoBackend(n)));
    tr = await startRouter({
      ...config({ scheduler: 'mh', affinity: { header: 'x-user' } }, 2),
      routes: [{ name: 'all', match: {}, pool: 'web' }],
    });
    await pass(['/a', '/b', '/c'], (i) => ({ 'x-user': `u${i}` }));
    const raw = config({ scheduler: 'mh' }, 2);
    raw.pools = { other: { scheduler: 'rr', backends: [backends[0]!.url] } };
    raw.routes = [{ name: 'all', match: {}, pool: 'other' }];
    const pv = dryRunConfig(tr.router.runtime, parsed(raw));
    const web = pv.pools.find((p) => p.pool === 'web')!;
    expect(web.change).toBe('removed');
    expect(web.pinned).toMatchObject({ entries: 3, leaving: 3 });
    expect(web.keys).toMatchObject({ sampled: 3, moved: 3, share: 1 });
    expect(pv.pools.find((p) => p.pool === 'other')!.change).toBe('added');
    expect(pv.routes.changed).toEqual([{ before: expect.objectContaining({ pool: 'web' }), after: expect.objectContaining({ pool: 'other' }), fields: ['pool'] }]);
  });
});
