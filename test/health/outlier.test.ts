// Passive outlier ejection (connect failures, 5xx, timeouts), cool-down growing on repeat,
// the maxEjectPercent bound, and slow start after an ejection ends.
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import type { Outlier } from '../../src/config/normalized.js';
import { coolDown, ejectLimit } from '../../src/health/outlier.js';
import { BackendState } from '../../src/pools/backend.js';
import { nextEvent, recordEvents, refusedPort, sleep, startRouter, switchBackend, type SwitchBackend } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const agent = new Agent({ keepAliveTimeout: 1000, connections: 8 });
async function get(url: string): Promise<{ status: number; backend: string | undefined }> {
  const r = await request(url, { dispatcher: agent, headersTimeout: 5000 });
  await r.body.text();
  const b = r.headers['x-backend'];
  return { status: r.statusCode, backend: typeof b === 'string' ? b : undefined };
}

async function backends(n: number): Promise<SwitchBackend[]> {
  const out: SwitchBackend[] = [];
  for (let i = 0; i < n; i++) out.push(await switchBackend(`b${i}`));
  cleanup.push(async () => { for (const b of out) await b.close(); });
  return out;
}

describe('outlier rules', () => {
  const o: Outlier = { consecutiveFailures: 3, baseEjectionTime: 100, maxEjectionTime: 1000, maxEjectPercent: 50 };
  it('cool-down doubles on each ejection in a row, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => coolDown(o, n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });
  it('eject limit is ⌊members × maxEjectPercent / 100⌋', () => {
    expect(ejectLimit(2, 50)).toBe(1);
    expect(ejectLimit(1, 50)).toBe(0); // a lone backend is never ejected
    expect(ejectLimit(3, 50)).toBe(1);
    expect(ejectLimit(4, 50)).toBe(2);
    expect(ejectLimit(10, 0)).toBe(0);
    expect(ejectLimit(5, 100)).toBe(5);
  });
});

describe('passive ejection in a running router', () => {
  it('5xx: ejects after consecutive failures, never more than maxEjectPercent of the pool', async () => {
    const bs = await backends(4);
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: bs.map((b) => b.url), outlier: { consecutiveFailures: 3, baseEjectionTime: 5000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const ev = recordEvents(r.router.events);
    bs[0]!.mode = bs[1]!.mode = bs[2]!.mode = '503';
    for (let i = 0; i < 40; i++) await get(r.url + '/x');
    const ejected = ev.filter((e) => e.name === 'backend.ejected');
    expect(ejected.length).toBe(2); // 4 backends × 50 %
    expect(ejected[0]!.payload.reason).toBe('ejected for 5000 ms after 3 consecutive failures (last: http5xx)');
    const down = ev.filter((e) => e.name === 'backend.state' && e.payload.to === 'down');
    expect(down.length).toBe(2);
    expect(down[0]!.payload.detectMs).toBeTypeOf('number');
    const pool = r.router.pools.get('p')!;
    expect(pool.backends.filter((b) => b.state === 'down').length).toBe(2);
    const third = pool.backends.find((b) => b.state === 'active' && bs.find((x) => `127.0.0.1:${x.port}` === b.id)!.mode === '503')!;
    expect(r.router.health.status('p', third.id)!.ejectionsSkipped).toBeGreaterThan(0);
    // the bound holds while the two serve their cool-down
    expect(pool.backends.filter((b) => b.ejectedUntil > Date.now()).length).toBe(2);
  });

  it('connect failures: requests are retried elsewhere (no client error) and the backend is ejected', async () => {
    const bs = await backends(2);
    const dead = await refusedPort();
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [...bs.map((b) => b.url), `http://127.0.0.1:${dead}`], outlier: { consecutiveFailures: 3, baseEjectionTime: 5000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const ej = nextEvent(r.router.events, 'backend.ejected', (e) => e.backend === `127.0.0.1:${dead}`, 3000);
    for (let i = 0; i < 30; i++) expect((await get(r.url + '/x')).status).toBe(200);
    expect((await ej).reason).toBe('ejected for 5000 ms after 3 consecutive failures (last: connect)');
  });

  it('timeouts: a hung backend is ejected after consecutive timeouts', async () => {
    const bs = await backends(2);
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', timeout: 400, backends: bs.map((b) => b.url), outlier: { consecutiveFailures: 2, baseEjectionTime: 5000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    bs[1]!.mode = 'hang';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(r.url + '/x')).status);
    expect(statuses.filter((s) => s === 504).length).toBe(2);
    expect(statuses.slice(-6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(r.router.pools.get('p')!.get(`127.0.0.1:${bs[1]!.port}`)!.reason).toBe('ejected for 5000 ms after 2 consecutive failures (last: timeout)');
  });

  it('cool-down grows on repeat ejections; each return goes through slow start', async () => {
    const bs = await backends(2);
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', slowStart: 200, backends: bs.map((b) => b.url), outlier: { consecutiveFailures: 2, baseEjectionTime: 150, maxEjectionTime: 10_000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const id = `127.0.0.1:${bs[1]!.port}`;
    const ev = recordEvents(r.router.events);
    bs[1]!.mode = '503';
    const t0 = Date.now();
    while (ev.filter((e) => e.name === 'backend.ejected').length < 3 && Date.now() - t0 < 5000) {
      await get(r.url + '/x');
      await sleep(5);
    }
    const ej = ev.filter((e) => e.name === 'backend.ejected').map((e) => e.payload.forMs);
    expect(ej).toEqual([150, 300, 600]);
    const returns = ev.filter((e) => e.name === 'backend.state' && e.payload.backend === id && e.payload.to === 'active');
    expect(returns.length).toBe(2);
    expect(returns[0]!.payload.reason).toBe('ejection time ran out (150 ms; ejected 1 time)');
    expect(ev.filter((e) => e.name === 'backend.slowstart' && e.payload.phase === 'start').length).toBe(2);
  });
});

describe('slow start', () => {
  it('the effective weight ramps monotonically from ≥1 to the configured weight over slowStart ms', () => {
    const b = new BackendState({ id: 'h:1', url: 'http://h:1', protocol: 'http:', host: 'h', port: 1, weight: 100 });
    b.rampStart = 1000;
    const ws: number[] = [];
    for (let t = 1000; t <= 2100; t += 50) {
      b.refresh(t, 1000);
      ws.push(b.weight);
    }
    expect(ws[0]).toBe(1);
    for (let i = 1; i < ws.length; i++) expect(ws[i]!).toBeGreaterThanOrEqual(ws[i - 1]!);
    expect(ws[10]).toBe(50); // half-way
    expect(ws.at(-1)).toBe(100);
    expect(b.rampStart).toBe(0);
  });

  it('a returning backend gets a growing share of a wrr pool during the ramp', async () => {
    const bs = await backends(2);
    const r = await startRouter({
      pools: { p: { scheduler: 'wrr', slowStart: 1500, backends: bs.map((b) => ({ url: b.url, weight: 20 })), outlier: { consecutiveFailures: 2, baseEjectionTime: 100 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const id = `127.0.0.1:${bs[1]!.port}`;
    const b = r.router.pools.get('p')!.get(id)!;
    bs[1]!.mode = '503';
    const ejected = nextEvent(r.router.events, 'backend.ejected', (e) => e.backend === id, 3000);
    for (let i = 0; i < 6; i++) await get(r.url + '/x');
    await ejected;
    bs[1]!.mode = 'ok';
    const start = await nextEvent(r.router.events, 'backend.slowstart', (e) => e.backend === id && e.phase === 'start', 3000);
    expect(start.ms).toBe(1500);
    const early: string[] = [];
    const weights: number[] = [];
    const tEnd = start.at + 400;
    while (Date.now() < tEnd) {
      early.push((await get(r.url + '/x')).backend!);
      weights.push(b.weight);
    }
    await nextEvent(r.router.events, 'backend.slowstart', (e) => e.backend === id && e.phase === 'done', 3000);
    const late: string[] = [];
    for (let i = 0; i < 200; i++) late.push((await get(r.url + '/x')).backend!);
    const share = (xs: string[]) => xs.filter((x) => x === 'b1').length / xs.length;
    expect(share(early)).toBeLessThan(0.3);
    expect(share(late)).toBeGreaterThan(0.45);
    for (let i = 1; i < weights.length; i++) expect(weights[i]!).toBeGreaterThanOrEqual(weights[i - 1]!);
    expect(weights[0]!).toBeLessThan(5);
    expect(b.weight).toBe(20);
  });
});
