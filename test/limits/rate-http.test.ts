// Route rate limits through real sockets (src/limits/, src/pipeline/admit.ts): 429 with
// Retry-After once the burst is spent, a token back after 1/rate, keys by client or header, the
// refusals counted per route (/api/routes, /metrics), and explain takes no token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as h2connect } from 'node:http2';
import { buildAdmin } from '../../src/admin/server.js';
import { echoBackend, raw, rawRequest, sleep, startRouter, type TestRouter } from '../helpers.js';

type Echo = Awaited<ReturnType<typeof echoBackend>>;

describe('rateLimit on a route', () => {
  let be: Echo;
  let r: TestRouter;
  beforeAll(async () => {
    be = await echoBackend('a');
    r = await startRouter({
      pools: { web: { scheduler: 'rr', backends: [be.url] } },
      routes: [
        { name: 'limited', match: { path: '/api/**' }, pool: 'web', rateLimit: { rate: 2, burst: 3 } },
        { name: 'byKey', match: { path: '/key/**' }, pool: 'web', rateLimit: { rate: 1, per: 'minute', burst: 2, key: 'header:X-Api-Key' } },
        { name: 'free', pool: 'web' },
      ],
    });
  });
  afterAll(async () => {
    await r.close();
    await be.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(r.port, { method: 'GET', target: path, headers });

  it('allows the burst, then answers 429 with Retry-After and nothing forwarded; a token returns after 1/rate', async () => {
    const before = be.seen.length;
    const t0 = Date.now();
    const first = (await Promise.all(Array.from({ length: 5 }, () => get('/api/x')))).sort((x, y) => x.status - y.status);
    expect(first.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(first[3]!.headers['retry-after']).toBe('1');
    expect(first[3]!.headers['x-switchyard-error']).toBe('SY_ERR_RATE_LIMITED');
    expect(be.seen.length - before).toBe(3);
    // 2/s: the next token is there 500 ms after the burst was spent, not earlier
    let status = 429;
    while (status === 429 && Date.now() - t0 < 2000) {
      status = (await get('/api/x')).status;
      if (status === 429) await sleep(10);
    }
    expect(status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThan(450);
    expect(Date.now() - t0).toBeLessThan(900);
    // an unlimited route is not touched
    expect((await Promise.all(Array.from({ length: 10 }, () => get('/other')))).every((a) => a.status === 200)).toBe(true);
  });

  it("key 'header:<name>': each value has its own bucket; Retry-After counts seconds to the next token", async () => {
    const a = [await get('/key/1', { 'X-Api-Key': 'alpha' }), await get('/key/1', { 'X-Api-Key': 'alpha' }), await get('/key/1', { 'X-Api-Key': 'alpha' })];
    expect(a.map((x) => x.status)).toEqual([200, 200, 429]);
    const wait = Number(a[2]!.headers['retry-after']);
    expect(wait).toBeGreaterThan(55);
    expect(wait).toBeLessThanOrEqual(60);
    expect((await get('/key/1', { 'X-Api-Key': 'beta' })).status).toBe(200);
  });

  it('counts refusals per route in /api/routes and /metrics; explain takes no token', async () => {
    const admin = await buildAdmin(r.router);
    try {
      const routes = (await admin.app.inject({ method: 'GET', url: '/api/routes' })).json() as { name: string; rateLimit?: string; rateLimited?: number }[];
      const limited = routes.find((x) => x.name === 'limited')!;
      expect(limited.rateLimit).toBe('2/s burst 3 by client');
      expect(limited.rateLimited).toBeGreaterThanOrEqual(2);
      expect(routes.find((x) => x.name === 'free')!.rateLimit).toBeUndefined();
      const metrics = (await admin.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(new RegExp(`switchyard_rate_limited_total\\{route="limited"\\} ${limited.rateLimited}\\n`));
      expect(metrics).toMatch(/switchyard_rate_limited_total\{route="byKey"\} 1\n/);
    } finally {
      await admin.app.close();
    }
    for (let i = 0; i < 20; i++) r.router.explain({ method: 'GET', url: '/key/2', headers: { 'x-api-key': 'gamma' } });
    expect((await get('/key/2', { 'X-Api-Key': 'gamma' })).status).toBe(200);
  });
});

describe('rateLimit on HTTP/2 streams and upgrade requests', () => {
  it('refuses the stream or the upgrade past the burst with 429 and Retry-After', async () => {
    const be = await echoBackend('b');
    const r = await startRouter({
      listen: { host: '127.0.0.1', port: 0, http2: true },
      pools: { web: { backends: [be.url] } },
      routes: [{ pool: 'web', rateLimit: { rate: 1, per: 'minute', burst: 1 } }],
    });
    const s = h2connect(`http://127.0.0.1:${r.port}`);
    try {
      const one = () => new Promise<Record<string, unknown>>((ok, fail) => {
        const st = s.request({ ':path': '/h2' });
        st.on('response', (h) => ok(h));
        st.on('error', fail);
        st.resume();
        st.end();
      });
      expect((await one())[':status']).toBe(200);
      const second = await one();
      expect(second[':status']).toBe(429);
      expect(Number(second['retry-after'])).toBeGreaterThan(55);
      // the same bucket (one client address) refuses the upgrade before any backend is asked
      const before = be.seen.length;
      const c = await raw(r.port, { first: 'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n' });
      await c.closed;
      expect(c.text()).toMatch(/^HTTP\/1\.1 429 /);
      expect(c.text()).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(be.seen.length).toBe(before);
    } finally {
      s.close();
      await r.close();
      await be.close();
    }
  });
});
