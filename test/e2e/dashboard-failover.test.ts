// Issue 15 in the dashboard, in a real browser (Debian's chromium): a pool's backup backends,
// fallback pool, sorry answer and "serving backups"; the route table's actions, details and rate
// limit with its refusal count kept current while the page is open; a backup added from the form.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import type { PoolOut } from '../../src/admin/schemas.js';
import { openBrowser, rawRequest, startRouter, switchBackend, type Browser, type SwitchBackend, type TestRouter } from '../helpers.js';

let P: SwitchBackend, B: SwitchBackend, S: SwitchBackend, extra: SwitchBackend;
let tr: TestRouter;
let admin: Admin;
let browser: Browser;
let page: Page;
const id = (b: SwitchBackend) => `127.0.0.1:${b.port}`;

beforeAll(async () => {
  [P, B, S, extra] = await Promise.all(['P', 'B', 'S', 'X'].map((n) => switchBackend(n)));
  tr = await startRouter({
    pools: {
      web: { scheduler: 'rr', backends: [P.url, { url: B.url, backup: true }], fallback: 'spare', sorry: { status: 503, body: 'later', contentType: 'text/html' } },
      spare: { scheduler: 'rr', backends: [S.url] },
    },
    routes: [
      { name: 'maintenance', match: { path: '/maintenance' }, respond: { status: 503, body: 'later' } },
      { name: 'old', match: { path: '/old/**' }, redirect: { to: '{path}', status: 301 } },
      { name: 'api', match: { path: '/api/**' }, rewrite: { stripPrefix: '/api' }, maxBodySize: 1024, pool: 'web' },
      { name: 'login', match: { path: '/login' }, rateLimit: { rate: 1, per: 'minute', burst: 1 }, pool: 'web' },
      { name: 'rest', pool: 'web' },
    ],
  });
  admin = await startAdmin(tr.router, { port: 0 });
  browser = await openBrowser(admin.url);
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await admin?.close();
  await tr?.close();
  for (const b of [P, B, S, extra]) await b?.close();
});

const pool = async (name: string) => (await (await fetch(`${admin.url}/api/pools/${name}`)).json()) as PoolOut;
const routeCells = async (name: string) => page.locator(`#routes tr[data-route="${name}"] td`).allTextContents();

describe('dashboard: failover and route actions', () => {
  it('shows the backup tag, the fallback pool and the sorry answer', async () => {
    await page.goto(admin.url + '/');
    const web = page.locator('[data-pool="web"]');
    await web.waitFor();
    expect(await web.locator('[data-pool-field="fallback"]').textContent()).toBe('spare');
    expect(await web.locator('[data-pool-field="sorry"]').textContent()).toBe('503 text/html');
    expect(await web.locator(`tr[data-backend="${id(B)}"] .tag.backup`).count()).toBe(1);
    expect(await web.locator(`tr[data-backend="${id(P)}"] .tag.backup`).count()).toBe(0);
    expect(await web.locator('[data-pool-field="serving"]').count()).toBe(0);
  });

  it("shows each route's action, details and rate limit", async () => {
    await page.locator('#routes tr[data-route="rest"]').waitFor();
    expect((await routeCells('maintenance')).slice(1, 3)).toEqual(['maintenance', 'respond 503']);
    expect((await routeCells('old')).slice(2, 3)).toEqual(['redirect 301 {path}']);
    expect((await routeCells('api')).slice(2, 4)).toEqual(['pool web', 'rewrite strip /api; maxBodySize 1024']);
    expect((await routeCells('login')).at(-1)).toBe('1/min burst 1 by client: 0 refused');
  });

  it('keeps the rate-limit refusal count current while the page is open', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await rawRequest(tr.port, { method: 'GET', target: '/login' })).status);
    expect(codes).toEqual([200, 429, 429]);
    const t0 = Date.now();
    await page.locator('#routes tr[data-route="login"] td', { hasText: '2 refused' }).waitFor({ timeout: 10_000 });
    expect(Date.now() - t0).toBeLessThan(8000); // every 5 ticks of 1 s
  });

  it('says the pool serves from its backups once no primary is available', async () => {
    tr.router.control.setState('web', id(P), 'disabled');
    await page.locator('[data-pool="web"] [data-pool-field="serving"]', { hasText: 'backups (no primary available)' }).waitFor({ timeout: 10_000 });
    tr.router.control.setState('web', id(P), 'active');
    await page.locator('[data-pool="web"] [data-pool-field="serving"]').waitFor({ state: 'detached', timeout: 10_000 });
    expect((await pool('web')).serving).toBe('primary');
  });

  it('adds a backup backend from the form', async () => {
    const form = page.locator('[data-pool="web"] form.add');
    await form.locator('input[name="url"]').fill(extra.url);
    await form.locator('input[name="backup"]').check();
    await form.locator('button[type="submit"]').click();
    await page.locator(`[data-pool="web"] tr[data-backend="${id(extra)}"] .tag.backup`).waitFor({ timeout: 10_000 });
    expect((await pool('web')).backends.find((b) => b.id === id(extra))?.backup).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
