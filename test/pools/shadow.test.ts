// pools.<name>.shadow (src/pools/shadow.ts): the shadow's modelled hit ratio agrees with the
// simulator (src/sim) on the same workload, and a shadow never changes a live decision.
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { zipfWorkload } from '../../src/sim/zipf.js';
import { runScheduler } from '../../src/sim/run.js';
import { parseSchedulerSpec } from '../../src/sim/spec.js';
import type { ShadowView } from '../../src/pools/shadow.js';
import { startServer, startRouter, type TestRouter, type TestServer } from '../helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** A backend that answers /obj/<rank> with that object's size from the workload. */
async function sizedBackend(sizes: Float64Array): Promise<TestServer> {
  const s = await startServer((req, res) => {
    const n = Number((req.url ?? '').split('/')[2]);
    const size = sizes[n - 1] ?? 10;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'x-backend': String(s.port) });
    res.end(Buffer.alloc(size));
  });
  open.push(s);
  return s;
}

/** Send the paths one at a time (as the simulator's window of 1 does); the backend port of each answer. */
async function replay(tr: TestRouter, paths: readonly string[]): Promise<string[]> {
  const agent = new Agent({ connections: 1 });
  const who: string[] = [];
  try {
    for (const p of paths) {
      const r = await request(`${tr.url}${p}`, { dispatcher: agent });
      await r.body.arrayBuffer();
      who.push(String(r.headers['x-backend']));
    }
  } finally {
    await agent.close();
  }
  return who;
}

describe('shadow scheduler', () => {
  it('a lard shadow beside wrr models the hit ratio the simulator finds for the same Zipf load', async () => {
    const w = zipfWorkload({ alpha: 0.9, objects: 1000, requests: 3000, seed: 7, sizeMu: 7, sizeSigma: 1, minSize: 64, maxSize: 32_768, clients: 10 });
    const cache = 200_000;
    const backends = await Promise.all([0, 1, 2, 3].map(() => sizedBackend(w.sizes)));
    const tr = await startRouter({
      pools: { objects: { scheduler: 'wrr', shadow: { scheduler: 'lard', cacheBytes: cache }, backends: backends.map((b) => b.url) } },
      routes: [{ match: { path: '/obj/**' }, pool: 'objects' }],
    });
    open.push(tr);
    await replay(tr, Array.from(w.stream, (id) => w.keys[id]!));

    const sim = (name: string) => runScheduler(w, parseSchedulerSpec(name), { backends: 4, cache, warmup: 0, window: 1, seed: 1 }).hitRatio;
    const v = tr.router.pools.get('objects')!.shadow!.view(tr.router.pools.get('objects')!.backends);
    expect(v.decisions).toBe(3000);
    expect(v.sized).toBe(3000);
    const lard = sim('lard');
    const wrr = sim('wrr');
    // the workload is one where the two differ, so the comparison means something
    expect(lard - wrr).toBeGreaterThan(0.15);
    expect(Math.abs(v.hitRatio.shadow! - lard)).toBeLessThan(0.05);
    expect(Math.abs(v.hitRatio.live! - wrr)).toBeLessThan(0.05);
    // wrr spreads evenly; agreement between wrr and lard is about one in four
    for (const b of v.backends) expect(b.live).toBeCloseTo(0.25, 2);
    expect(v.agreement!).toBeGreaterThan(0.15);
    expect(v.agreement!).toBeLessThan(0.35);
  });

  it('never changes a live decision: the same requests reach the same backends with and without a shadow', async () => {
    const sizes = Float64Array.from({ length: 50 }, (_, i) => 100 + i);
    const backends = await Promise.all([0, 1, 2].map(() => sizedBackend(sizes)));
    const paths = Array.from({ length: 300 }, (_, i) => `/obj/${1 + ((i * 7919) % 50)}`);
    const answers: string[][] = [];
    // p2c draws from its random source and lard keeps per-path state: a shadow that shared either would show
    for (const shadow of [undefined, { scheduler: 'p2c' }, { scheduler: 'lard', cacheBytes: 1000 }]) {
      const tr = await startRouter({
        pools: { objects: { scheduler: 'p2c', ...(shadow ? { shadow } : {}), backends: backends.map((b) => b.url) } },
        routes: [{ pool: 'objects' }],
      });
      answers.push(await replay(tr, paths));
      if (shadow) expect(tr.router.pools.get('objects')!.shadow!.decisions).toBe(300);
      await tr.close();
    }
    expect(new Set(answers[0]).size).toBe(3);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('is checked like a pool: unknown scheduler, parameters of another scheduler', async () => {
    const { validate } = await import('../../src/config/validate.js');
    const bad = validate({ pools: { a: { backends: ['http://127.0.0.1:1'], shadow: { scheduler: 'lardd', cacheBytes: 0 } } }, routes: [{ pool: 'a' }] });
    expect(bad.problems.map((p) => p.path)).toContain('pools.a.shadow.scheduler');
    const other = validate({ pools: { a: { backends: ['http://127.0.0.1:1'], shadow: { scheduler: 'wrr', balanceFactor: 2 } } }, routes: [{ pool: 'a' }] });
    expect(other.problems.map((p) => p.path)).toContain('pools.a.shadow.balanceFactor');
    const ok = validate({ pools: { a: { backends: ['http://127.0.0.1:1'], shadow: { scheduler: 'chbl', balanceFactor: 2 } } }, routes: [{ pool: 'a' }] });
    expect(ok.problems).toEqual([]);
    expect(ok.config!.pools.a!.shadow).toMatchObject({ scheduler: 'chbl', rawParams: { balanceFactor: 2 }, cacheBytes: 64 * 1024 * 1024 });
  });
});

describe('the key a shadow hashes', () => {
  /** 40 requests to 40 paths from one client (with x-user u<i> when asked); the shadow's view. */
  async function spread(pool: Record<string, unknown>, users = false): Promise<ShadowView> {
    const sizes = Float64Array.from({ length: 40 }, () => 100);
    const backends = await Promise.all([0, 1, 2, 3].map(() => sizedBackend(sizes)));
    const tr = await startRouter({ pools: { p: { ...pool, backends: backends.map((b) => b.url) } }, routes: [{ pool: 'p' }] });
    open.push(tr);
    for (let i = 1; i <= 40; i++) await (await fetch(`${tr.url}/obj/${i}`, { headers: users ? { 'x-user': `u${i}` } : {} })).arrayBuffer();
    const p = tr.router.pools.get('p')!;
    return p.shadow!.view(p.backends);
  }
  const used = (v: ShadowView, side: 'live' | 'shadow') => v.backends.filter((b) => b[side] > 0).length;

  it('is its own default when the pool sets no hashKey: an sh shadow beside wrr hashes the client address', async () => {
    const v = await spread({ scheduler: 'wrr', shadow: { scheduler: 'sh' } });
    expect(v.decisions).toBe(40);
    expect(used(v, 'live')).toBe(4);
    // one client: sh sends every request to one backend, whatever the path
    expect(used(v, 'shadow')).toBe(1);
  });

  it('an mh shadow beside sh hashes the path, not the client address the live one hashes', async () => {
    const v = await spread({ scheduler: 'sh', shadow: { scheduler: 'mh' } });
    expect(used(v, 'live')).toBe(1);
    expect(used(v, 'shadow')).toBeGreaterThanOrEqual(3);
  });

  it("is the pool's hashKey when the pool sets one", async () => {
    const v = await spread({ scheduler: 'wrr', hashKey: 'header:x-user', shadow: { scheduler: 'sh' } }, true);
    expect(used(v, 'shadow')).toBeGreaterThanOrEqual(3);
    const { validate } = await import('../../src/config/validate.js');
    const shadowOf = (pool: Record<string, unknown>) => validate({ pools: { a: { backends: ['http://127.0.0.1:1'], ...pool } }, routes: [{ pool: 'a' }] }).config!.pools.a!.shadow!;
    expect(shadowOf({ scheduler: 'wrr', shadow: { scheduler: 'sh' } }).hashKey).toEqual({ kind: 'client-ip' });
    expect(shadowOf({ scheduler: 'sh', shadow: { scheduler: 'mh' } }).hashKey).toEqual({ kind: 'path' });
    expect(shadowOf({ scheduler: 'mh', hashKey: 'url', shadow: { scheduler: 'sh' } }).hashKey).toBeUndefined();
    expect(shadowOf({ scheduler: 'mh', shadow: { scheduler: 'wrr' } }).hashKey).toBeUndefined();
  });
});

describe('a shadow in a pool with backups', () => {
  it('decides over the tier the live scheduler serves from: primaries, then the backups once none is left', async () => {
    const sizes = Float64Array.from({ length: 40 }, () => 100);
    const [p1, p2, b1, b2] = await Promise.all([0, 1, 2, 3].map(() => sizedBackend(sizes)));
    const tr = await startRouter({
      pools: { p: { scheduler: 'rr', shadow: { scheduler: 'mh' }, backends: [p1!.url, p2!.url, { url: b1!.url, backup: true }, { url: b2!.url, backup: true }] } },
      routes: [{ pool: 'p' }],
    });
    open.push(tr);
    const id = (b: TestServer) => `127.0.0.1:${b.port}`;
    const send = async () => {
      for (let i = 1; i <= 40; i++) await (await fetch(`${tr.url}/obj/${i}`)).arrayBuffer();
    };
    const share = () => {
      const p = tr.router.pools.get('p')!;
      return Object.fromEntries(p.shadow!.view(p.backends).backends.map((b) => [b.id, b.shadow]));
    };
    await send();
    let s = share();
    expect(s[id(b1!)]! + s[id(b2!)]!).toBe(0);
    expect(s[id(p1!)]).toBeGreaterThan(0);
    expect(s[id(p2!)]).toBeGreaterThan(0);
    // no primary takes work: both sides move to the backups
    tr.router.control.setState('p', id(p1!), 'disabled');
    tr.router.control.setState('p', id(p2!), 'disabled');
    await send();
    s = share();
    expect(s[id(b1!)]! + s[id(b2!)]!).toBeCloseTo(0.5, 3);
    expect(s[id(b1!)]).toBeGreaterThan(0);
    expect(s[id(b2!)]).toBeGreaterThan(0);
  });
});

describe('shadow across reloads', () => {
  it('a reload that keeps the shadow keeps its counters; a changed one starts anew; a removed one is gone', async () => {
    const { validate } = await import('../../src/config/validate.js');
    const { PoolRuntime } = await import('../../src/pools/pool.js');
    const spec = (shadow: unknown) => validate({ pools: { a: { scheduler: 'wrr', backends: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], ...(shadow ? { shadow } : {}) } }, routes: [{ pool: 'a' }] }).config!.pools.a!;
    const pool = new PoolRuntime(spec({ scheduler: 'mh' }), 0);
    const first = pool.shadow!;
    pool.spec = spec({ scheduler: 'mh' });
    pool.refresh(1, true);
    expect(pool.shadow).toBe(first);
    pool.spec = spec({ scheduler: 'mh', cacheBytes: 1000 });
    pool.refresh(2, true);
    expect(pool.shadow).not.toBe(first);
    expect(pool.shadow!.spec.cacheBytes).toBe(1000);
    pool.spec = spec(undefined);
    pool.refresh(3, true);
    expect(pool.shadow).toBeUndefined();
  });
});

describe('the modelled cache (KeyLru)', () => {
  it('evicts the least recent by bytes and by count, and never holds an object larger than itself', async () => {
    const { KeyLru } = await import('../../src/pools/key-lru.js');
    const l = new KeyLru(100, 3);
    expect(l.access('a', 40)).toBe(false);
    expect(l.access('b', 40)).toBe(false);
    expect(l.access('a', 40)).toBe(true);
    expect(l.access('c', 40)).toBe(false); // 120 > 100: b (least recent) goes
    expect(l.access('b', 40)).toBe(false); // and so a goes now
    expect(l.access('c', 40)).toBe(true);
    expect(l.access('big', 101)).toBe(false);
    expect(l.size).toBe(2);
    for (const k of ['x', 'y', 'z']) l.access(k, 1);
    expect(l.size).toBe(3);
    expect(l.access('x', 1)).toBe(true);
  });
});
