// The dashboard's "Preview reload" in a real browser (Debian's chromium through playwright-core):
// the preview of a changed config file shows before anything is applied, "Apply" then reloads.
// Leaves a screenshot for docs/admin.md (docs/reload-preview.png).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { Router } from '../../src/router.js';
import { echoBackend, type TestServer } from '../helpers.js';
import { openBrowser, type Browser } from '../kit/browser.js';

const TOKEN = 'e2e-preview-token-7';
const SHOT = join(import.meta.dirname, '..', '..', 'docs', 'reload-preview.png');
const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-preview-'));
const file = join(dir, 'routes.config.ts');
let backends: TestServer[] = [];
let router: Router;
let admin: Admin;
let browser: Browser | undefined;
let page: Page;

function configText(n: number): string {
  const urls = JSON.stringify(backends.slice(0, n).map((b) => b.url));
  return `export default {
  listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
  pools: {
    images: { scheduler: 'mh', backends: ${urls} },
    web: { scheduler: 'wrr', affinity: { header: 'x-user' }, backends: ${urls} },
  },
  routes: [
    ${n > 4 ? "{ name: 'api', match: { path: '/api/**' }, pool: 'web' }," : ''}
    { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
    { name: 'web', match: {}, pool: 'web' },
  ],
};
`;
}

beforeAll(async () => {
  backends = await Promise.all(['b0', 'b1', 'b2', 'b3', 'b4'].map((n) => echoBackend(n)));
  writeFileSync(file, configText(4));
  router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
  const [addr] = await router.listen();
  const base = `http://127.0.0.1:${addr!.port}`;
  for (let i = 0; i < 300; i++) await (await fetch(`${base}/img/${i}.png`)).arrayBuffer();
  for (let i = 0; i < 40; i++) await (await fetch(`${base}/page/${i}`, { headers: { 'x-user': `u${i}` } })).arrayBuffer();
  admin = await startAdmin(router, { port: 0, token: TOKEN });
  browser = await openBrowser(admin.url, { width: 1440, height: 900 });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await admin?.close();
  await router?.close(1000);
  await Promise.all(backends.map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: Preview reload', () => {
  it('shows what the changed file would do, applies nothing until Apply', async () => {
    await page.goto(admin.url + '/');
    await page.fill('#token', TOKEN);
    await page.click('#token-bar button[type=submit]');
    await page.waitForSelector('body[data-ready="1"]');
    // the operator adds a fifth backend to both pools, and a route
    writeFileSync(file, configText(5));
    await page.click('#preview-reload');
    await page.locator('#preview-pools').waitFor({ state: 'visible' });
    const moved = async (pool: string) => Number((await page.locator(`#preview-pools tr[data-pool="${pool}"] td.moved`).innerText()).split(' ')[0]);
    const images = await moved('images');
    const web = await moved('web');
    expect(images).toBeGreaterThan(10);
    expect(images).toBeLessThan(30);
    expect(web).toBeGreaterThan(60);
    expect(await page.locator('#preview').innerText()).toContain('api (#1) → web');
    expect(await page.locator('#preview-pools tr[data-pool="web"] td.pinned').innerText()).toBe('0 of 40');
    await page.locator('#preview').screenshot({ path: SHOT });
    expect(router.current.version).toBe(1);
    expect(router.pools.get('images')!.backends).toHaveLength(4);
    await page.click('#preview-apply');
    await page.locator('#preview').waitFor({ state: 'hidden' });
    expect(router.current.version).toBe(2);
    expect(router.pools.get('images')!.backends).toHaveLength(5);
  });
});
