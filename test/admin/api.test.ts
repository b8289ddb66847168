// Admin API through fastify's inject: every route, schemas on inputs, clear 4xx answers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdmin } from '../../src/admin/server.js';
import { Router } from '../../src/router.js';
import { fixture, traffic, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await fixture({ listen: false });
});
afterAll(async () => {
  await f.close();
});

// every mutating call carries Content-Type: application/json (src/admin/guard.ts)
const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  f.admin.app.inject({ method, url, payload: payload as object | undefined, headers: method === 'GET' ? {} : { 'content-type': 'application/json' } });
const JSON_CT = { 'content-type': 'application/json' };

describe('read routes', () => {
  it('GET /api/status', async () => {
    const r = await inject('GET', '/api/status');
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s).toMatchObject({ name: 'switchyard', configVersion: 1, configFile: null, pools: 3, backends: 5, auth: false });
    expect(s.listeners).toEqual([`127.0.0.1:${f.tr.port}`]);
  });

  it('GET /api/pools and /api/pools/:pool', async () => {
    const r = await inject('GET', '/api/pools');
    expect(r.statusCode).toBe(200);
    const pools = r.json() as { name: string; backends: { id: string; configWeight: number; state: string }[] }[];
    expect(pools.map((p) => p.name)).toEqual(['html', 'images', 'cgi']);
    expect(pools[1]!.backends.map((b) => [b.id, b.configWeight, b.state])).toEqual([[f.images[0]!.id, 2, 'active'], [f.images[1]!.id, 1, 'active']]);
    const one = await inject('GET', '/api/pools/images');
    expect(one.statusCode).toBe(200);
    expect(one.json().scheduler).toBe('rr');
    const missing = await inject('GET', '/api/pools/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no pool named "nope"', statusCode: 404, code: 'SY_ERR_POOL_UNKNOWN', path: 'params.pool' });
  });

  it('backends carry their health: last active check, streaks, ejections', async () => {
    let b: { health: { checking: boolean; lastCheck: { ok: boolean } | null; ejections: number } | null } | undefined;
    for (let i = 0; i < 50; i++) {
      b = (await inject('GET', '/api/pools/cgi')).json().backends[0];
      if (b?.health?.lastCheck) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(b!.health).toMatchObject({ checking: true, lastCheck: { ok: true }, ejections: 0 });
    const html = (await inject('GET', '/api/pools/html')).json().backends[0];
    expect(html.health === null || html.health.checking === false).toBe(true);
  });

  it('GET /api/routes', async () => {
    const r = await inject('GET', '/api/routes');
    expect(r.json()).toEqual([
      { index: 0, name: 'cgi', pool: 'cgi', match: 'path ~ /cgi-bin/**', action: 'pool cgi' },
      { index: 1, name: 'images', pool: 'images', match: 'mime ~ image/*', action: 'pool images' },
      { index: 2, name: 'html', pool: 'html', match: 'any request', action: 'pool html' },
    ]);
  });

  it('POST /api/explain', async () => {
    const r = await inject('POST', '/api/explain', { method: 'get', url: '/img/1.png' });
    expect(r.statusCode).toBe(200);
    const e = r.json();
    expect(e.route.name).toBe('images');
    expect(e.pool.name).toBe('images');
    expect([f.images[0]!.id, f.images[1]!.id]).toContain(e.backend.id);
    expect((await inject('POST', '/api/explain', { url: '/x' })).statusCode).toBe(400);
    const bad = await inject('POST', '/api/explain', { method: 'G E T', url: '/x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^bad body: .*method/);
    expect((await inject('POST', '/api/explain', { method: 'GET', url: '/x', headers: { a: 1 } })).statusCode).toBe(400);
  });

  it('GET /api/affinity: figures and entries of the shared table; validates its query', async () => {
    const before = (await inject('GET', '/api/affinity')).json();
    expect(before).toMatchObject({ maxEntries: 1_000_000, store: 'memory', byKind: { connection: expect.any(Number), template: expect.any(Number) } });
    await traffic(f.tr.url, ['/cgi-bin/env'], 3);
    const r = await inject('GET', '/api/affinity?pool=cgi&limit=10');
    expect(r.statusCode).toBe(200);
    const a = r.json();
    expect(a.byKind.template).toBeGreaterThanOrEqual(1);
    expect(a.hits).toBeGreaterThanOrEqual(before.hits + 2);
    expect(a.list).toContainEqual(expect.objectContaining({ kind: 'client', pool: 'cgi', client: '127.0.0.1', backend: f.cgi[0]!.id }));
    expect(a.list.every((e: { pool: string }) => e.pool === 'cgi')).toBe(true);
    expect((await inject('GET', '/api/affinity?limit=0')).json().list).toEqual([]);
    expect((await inject('GET', '/api/affinity?limit=-1')).statusCode).toBe(400);
    expect((await inject('GET', '/api/affinity?bogus=1')).statusCode).toBe(400);
  });

  it('unknown routes and bad bodies are 4xx with a JSON error', async () => {
    const r = await inject('GET', '/api/nothing');
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toMatch(/no such admin route/);
    const badJson = await f.admin.app.inject({ method: 'POST', url: '/api/explain', headers: { 'content-type': 'application/json' }, payload: '{"method":' });
    expect(badJson.statusCode).toBe(400);
    const text = await f.admin.app.inject({ method: 'POST', url: '/api/explain', headers: { 'content-type': 'application/xml' }, payload: '<GET/>' });
    expect(text.statusCode).toBe(415);
  });
});

describe('changing backends', () => {
  it('adds a backend (201), refuses bad input (400), unknown pools (404) and duplicates (409)', async () => {
    const id = f.html[0]!.id;
    const ok = await inject('POST', '/api/pools/html/backends', { url: 'http://127.0.0.1:9', weight: 3 });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ id: '127.0.0.1:9', configWeight: 3, state: 'active' });
    expect((await inject('POST', '/api/pools/html/backends', { url: 'http://127.0.0.1:9' })).statusCode).toBe(409);
    expect((await inject('POST', '/api/pools/html/backends', { url: `http://${id}` })).json().error).toMatch(/already has backend/);
    expect((await inject('POST', '/api/pools/nope/backends', { url: 'http://127.0.0.1:10' })).statusCode).toBe(404);
    for (const body of [{}, { url: 'ftp://127.0.0.1:10' }, { url: 'http://127.0.0.1:10', weight: -1 }, { url: 'http://127.0.0.1:10', weight: 1.5 },
      { url: 'http://127.0.0.1:10', weight: 70000 }, { url: 'http://127.0.0.1:10', extra: true }, { url: 'not a url' }]) {
      const r = await inject('POST', '/api/pools/html/backends', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.length).toBeGreaterThan(5);
    }
    const del = await inject('DELETE', '/api/pools/html/backends/127.0.0.1:9');
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ removed: '127.0.0.1:9', pool: 'html' });
    expect((await inject('DELETE', '/api/pools/html/backends/127.0.0.1:9')).statusCode).toBe(404);
    expect((await inject('GET', '/api/pools/html')).json().backends.map((b: { id: string }) => b.id)).toEqual(f.html.map((b) => b.id));
  });

  it('drains, enables, disables and re-weights; refuses bad patches', async () => {
    const id = f.html[1]!.id;
    const url = `/api/pools/html/backends/${id}`;
    const events: string[] = [];
    const off = f.tr.router.events.onAny((name, p) => name.startsWith('backend.') && events.push(`${name} ${'to' in p ? String(p.to) : ''}`.trim()));
    const drained = await inject('PATCH', url, { state: 'drain' });
    expect(drained.statusCode).toBe(200);
    expect(drained.json()).toMatchObject({ id, state: 'drain', adminState: 'drain', weight: 0, configWeight: 1 });
    expect(f.tr.router.pools.get('html')!.get(id)!.state).toBe('drain');
    expect((await inject('PATCH', url, { state: 'active' })).json()).toMatchObject({ state: 'active', weight: 1 });
    expect((await inject('PATCH', url, { weight: 5 })).json()).toMatchObject({ weight: 5, configWeight: 5 });
    expect((await inject('PATCH', url, { state: 'disabled', weight: 1 })).json()).toMatchObject({ state: 'disabled', configWeight: 1 });
    expect((await inject('PATCH', url, { state: 'active' })).statusCode).toBe(200);
    off();
    expect(events).toEqual(['backend.state drain', 'backend.state active', 'backend.weight 5', 'backend.weight 1', 'backend.state disabled', 'backend.state active']);
    expect((await inject('PATCH', url, {})).statusCode).toBe(400);
    expect((await inject('PATCH', url, { state: 'paused' })).statusCode).toBe(400);
    expect((await inject('PATCH', url, { weight: 'heavy' })).statusCode).toBe(400);
    expect((await inject('PATCH', '/api/pools/html/backends/127.0.0.1:1', { state: 'drain' })).statusCode).toBe(404);
    expect((await inject('PATCH', '/api/pools/zzz/backends/127.0.0.1:1', { state: 'drain' })).statusCode).toBe(404);
  });
});

describe('stats', () => {
  it('counts requests, errors, latency percentiles and X-Cache hit ratio per pool and backend', async () => {
    f.admin.stats.tick();
    await traffic(f.tr.url, ['/img/1.png', '/img/2.png', '/img/3.png', '/img/4.png'], 3);
    const t = f.admin.stats.tick();
    const images = t.pools.images!;
    expect(images.requests).toBe(12);
    expect(images.rps).toBeGreaterThan(0);
    expect(images.p50).not.toBeNull();
    expect(images.p99!).toBeGreaterThanOrEqual(images.p50!);
    // rr over two backends: each path is a miss the first time on each backend it meets
    expect(images.hitRatioTotal).not.toBeNull();
    expect(images.hitRatioTotal!).toBeGreaterThan(0);
    const b0 = images.backends[f.images[0]!.id]!;
    const b1 = images.backends[f.images[1]!.id]!;
    expect(b0.requests + b1.requests).toBe(12);
    expect(b0.keys + b1.keys).toBeGreaterThanOrEqual(4);
    const hits = f.images.reduce((n, b) => n + b.cache.hits, 0);
    const misses = f.images.reduce((n, b) => n + b.cache.misses, 0);
    expect(images.hitRatioTotal).toBeCloseTo(hits / (hits + misses), 6);
    const idle = f.admin.stats.tick();
    expect(idle.pools.images!.rps).toBe(0);
    expect(idle.pools.images!.p50).toBeNull();
    const pools = (await inject('GET', '/api/pools/images')).json();
    expect(pools.backends[0].live).toMatchObject({ rps: 0 });
    const hist = (await inject('GET', '/api/stats')).json();
    expect(hist.history.length).toBeGreaterThanOrEqual(3);
  });
});

describe('reload', () => {
  it('409 without a file; 200 with changes; 422 with problems and the running config kept', async () => {
    expect((await inject('POST', '/api/reload')).statusCode).toBe(409);
    const dir = mkdtempSync(join(tmpdir(), 'sy-admin-'));
    const file = join(dir, 'routes.config.ts');
    const cfg = (w: number) => `export default { listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
      pools: { web: { scheduler: 'rr', backends: [{ url: 'http://127.0.0.1:9', weight: ${w} }] } }, routes: [{ pool: 'web' }] };\n`;
    writeFileSync(file, cfg(1));
    const router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
    const admin = await buildAdmin(router);
    try {
      writeFileSync(file, cfg(4));
      const ok = await admin.app.inject({ method: 'POST', url: '/api/reload', headers: JSON_CT });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ ok: true, configVersion: 2 });
      expect(router.pools.get('web')!.backends[0]!.configWeight).toBe(4);
      writeFileSync(file, cfg(1).replace("scheduler: 'rr'", "scheduler: 'nope'"));
      const bad = await admin.app.inject({ method: 'POST', url: '/api/reload', headers: JSON_CT });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().ok).toBe(false);
      expect(bad.json().problems[0].path).toBe('pools.web.scheduler');
      expect(router.current.version).toBe(2);
    } finally {
      await admin.close();
      await router.close(0);
    }
  });
});
