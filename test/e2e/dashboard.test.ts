// The dashboard in a real browser (Debian's chromium through playwright-core) against a running
// demo: token entry, pools and live figures, a drain by click checked through the API, explain,
// and a screenshot for the README (docs/dashboard.png).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { startDemoBackend, type DemoBackend } from '../../src/demo/backends.js';
import { startDemoTraffic, type DemoTraffic } from '../../src/demo/traffic.js';
import { openBrowser, startRouter, type Browser, type TestRouter } from '../helpers.js';

const TOKEN = 'e2e-dashboard-token-42';
const SHOT = join(import.meta.dirname, '..', '..', 'docs', 'dashboard.png');

let backends: DemoBackend[];
let tr: TestRouter;
let admin: Admin;
let load: DemoTraffic;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  const html = [await startDemoBackend('html'), await startDemoBackend('html')];
  const images = await Promise.all([0, 1, 2, 3].map(() => startDemoBackend('images')));
  const cgi = [await startDemoBackend('cgi'), await startDemoBackend('cgi')];
  backends = [...html, ...images, ...cgi];
  const urls = (bs: DemoBackend[]) => bs.map((b) => `http://${b.id}`);
  tr = await startRouter({
    pools: {
      html: { scheduler: 'lard', backends: urls(html) },
      images: { scheduler: 'chbl', balanceFactor: 1.25, hashKey: 'path', backends: [{ url: `http://${images[0]!.id}`, weight: 2 }, ...urls(images.slice(1))] },
      cgi: { scheduler: 'wlc', affinity: 'client', backends: urls(cgi), health: { path: '/healthz', interval: 1000, timeout: 500, rise: 2, fall: 3 } },
    },
    routes: [
      { name: 'cgi', match: { path: ['/cgi-bin/**', '**/*.{cgi,pl,php}'] }, pool: 'cgi' },
      { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
      { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'html' },
      { name: 'html', match: {}, pool: 'html' },
    ],
  });
  admin = await startAdmin(tr.router, { port: 0, token: TOKEN });
  load = startDemoTraffic(tr.url, 40);
  // nothing may be fetched from anywhere but the admin server
  browser = await openBrowser(admin.url);
  page = browser.page;
  pageErrors = browser.errors;
});

afterAll(async () => {
  load?.stop();
  await browser?.close();
  await admin?.close();
  await tr?.close();
  await Promise.all((backends ?? []).map((b) => b.close()));
});

const api = async <T>(path: string): Promise<T> => {
  const r = await fetch(admin.url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
};

describe('dashboard', () => {
  it('asks for the token, then shows the pools with live figures', async () => {
    await page.goto(admin.url + '/');
    await page.locator('#token-bar').waitFor({ state: 'visible' });
    await page.fill('#token', TOKEN);
    await page.click('#token-bar button[type=submit]');
    for (const name of ['html', 'images', 'cgi']) await page.locator(`[data-pool="${name}"]`).waitFor();
    expect(await page.locator('[data-pool="images"] tr[data-backend]').count()).toBe(4);
    // the event stream fills in rates and draws the charts
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-pool="images"] [data-pool-field="rps"]');
      return el !== null && el.textContent !== '–' && Number(el.textContent) > 0;
    }, undefined, { timeout: 15_000 });
    expect(await page.locator('[data-pool="images"] .uplot').count()).toBe(2);
    expect(await page.locator('#routes tbody tr').count()).toBe(4);
    expect(await page.locator('#live.on').count()).toBe(1);
    // cgi pins each client (affinity 'client'): the table's figures arrive with the ticks
    await page.waitForFunction(() => /^[1-9]\d* of /.test(document.querySelector('[data-affinity="entries"]')?.textContent ?? ''), undefined, { timeout: 15_000 });
  });

  it('drains a backend with a click; the API shows it drained', async () => {
    const id = backends[3]!.id; // the second images backend
    const row = page.locator(`[data-pool="images"] tr[data-backend="${id}"]`);
    await row.locator('button.drain').click();
    await row.locator('.state.drain').waitFor({ timeout: 10_000 });
    const pool = await api<{ backends: { id: string; state: string; weight: number }[] }>('/api/pools/images');
    expect(pool.backends.find((b) => b.id === id)).toMatchObject({ state: 'drain', weight: 0 });
    expect(tr.router.pools.get('images')!.get(id)!.state).toBe('drain');
    await page.locator('#events li', { hasText: `images/${id}: active → drain` }).waitFor({ timeout: 10_000 });
    await row.locator('button.enable').waitFor();
  });

  it('explains a request', async () => {
    await page.fill('#ex-url', '/img/42.png');
    await page.click('#explain button[type=submit]');
    await page.locator('#ex-out .verdict', { hasText: 'route images' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#ex-out').textContent()).toMatch(/MIME type: image\/png \(from extension\)/);
  });

  it('saves a screenshot with charts that have data', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#events li').length > 0);
    await new Promise((r) => setTimeout(r, 4000)); // a few more ticks on the charts
    expect(await page.locator('[data-pool="cgi"] [data-field="check"]').first().textContent()).toMatch(/^check ok/);
    await page.screenshot({ path: SHOT, fullPage: true });
    expect(statSync(SHOT).size).toBeGreaterThan(20_000);
    expect(pageErrors).toEqual([]);
  });
});
