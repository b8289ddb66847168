// Issue 15: `switchyard adm routes` against a running instance over a real admin socket: each
// route's action (pool, redirect, respond), its rewrite, header edits and body limit, and its rate
// limit with the requests it refused (counted through real requests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { admInProcess, echoBackend, rawRequest, startRouter, type TestRouter, type TestServer } from '../helpers.js';

let backend: TestServer;
let router: TestRouter;
let admin: Admin;
beforeAll(async () => {
  backend = await echoBackend('b');
  router = await startRouter({
    pools: { web: { scheduler: 'rr', backends: [backend.url] } },
    routes: [
      { name: 'maintenance', match: { path: '/maintenance' }, respond: { status: 503, body: 'later' } },
      { name: 'old', match: { path: '/old/**' }, rewrite: { stripPrefix: '/old' }, redirect: { to: '{path}', status: 301 } },
      { name: 'api', match: { path: '/api/**' }, rewrite: { stripPrefix: '/api' }, headers: { response: { set: { 'x-api': 'v1' } } }, maxBodySize: 1024, pool: 'web' },
      { name: 'login', match: { path: '/login' }, rateLimit: { rate: 1, per: 'minute', burst: 1 }, pool: 'web' },
      { name: 'rest', pool: 'web' },
    ],
  });
  admin = await startAdmin(router.router, { port: 0 });
});
afterAll(async () => {
  await admin.close();
  await router.close();
  await backend.close();
});

const adm = (...args: string[]): Promise<string> => admInProcess(admin.url, ...args);

describe('adm routes', () => {
  it("prints each route's action, details and rate-limit refusals", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await rawRequest(router.port, { method: 'GET', target: '/login' })).status);
    expect(codes).toEqual([200, 429, 429]);
    const lines = (await adm('routes')).split('\n');
    expect(lines[0]).toBe('Routes (first match wins):');
    expect(lines[1]).toMatch(/^ {3}1\. maintenance +→ respond 503 +path ~ \/maintenance$/);
    expect(lines[2]).toMatch(/^ {3}2\. old +→ redirect 301 \{path\} +path ~ \/old\/\*\*$/);
    expect(lines[3]).toMatch(/^ +rewrite strip \/old$/);
    expect(lines[4]).toMatch(/^ {3}3\. api +→ pool web +path ~ \/api\/\*\*$/);
    expect(lines[5]).toMatch(/^ +rewrite strip \/api; response headers set x-api; maxBodySize 1024$/);
    expect(lines[6]).toMatch(/^ {3}4\. login +→ pool web +path ~ \/login$/);
    expect(lines[7]).toMatch(/^ +rateLimit 1\/min burst 1 by client: 2 refused$/);
    expect(lines[8]).toMatch(/^ {3}5\. rest +→ pool web +any request$/);
    expect(lines.slice(9)).toEqual(['']);
  });

  it('--json prints the API answer', async () => {
    const routes = JSON.parse(await adm('routes', '--json')) as { name: string; rateLimited?: number }[];
    expect(routes.map((r) => r.name)).toEqual(['maintenance', 'old', 'api', 'login', 'rest']);
    expect(routes.find((r) => r.name === 'login')!.rateLimited).toBe(2);
  });
});
