// The dashboard shows a pool's shadow scheduler ("lard would have hit … where wrr hit …") and
// flags a route whose pool answers outside its `expect` globs, in a real browser (Debian's
// chromium through playwright-core). Saves docs/shadow-misroutes.png for docs/schedulers.md.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { openBrowser, startRouter, startServer, type Browser, type TestRouter, type TestServer } from '../helpers.js';

const SHOT = join(import.meta.dirname, '..', '..', 'docs', 'shadow-misroutes.png');

let servers: TestServer[];
let tr: TestRouter;
let admin: Admin;
let browser: Browser;

beforeAll(async () => {
  // /obj/<n> answers n·97 bytes; under /img/ the third backend answers HTML
  servers = await Promise.all([0, 1, 2].map((i) => startServer((req, res) => {
    const url = req.url ?? '/';
    const size = (Number(url.split('/')[2]) || 1) * 97;
    const type = url.startsWith('/img/') ? (i === 2 ? 'text/html' : 'image/png') : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': size });
    res.end(Buffer.alloc(size));
  })));
  const urls = servers.map((s) => s.url);
  tr = await startRouter({
    pools: {
      objects: { scheduler: 'wrr', shadow: { scheduler: 'lard', cacheBytes: 150_000 }, backends: urls },
      images: { scheduler: 'rr', expect: 'image/*', backends: urls },
    },
    routes: [{ name: 'images', match: { path: '/img/**' }, pool: 'images' }, { name: 'objects', pool: 'objects' }],
  });
  admin = await startAdmin(tr.router, { port: 0 });
  // a skewed load: low ranks far more often
  for (let i = 0; i < 600; i++) await fetch(`${tr.url}/obj/${1 + Math.floor(200 * Math.pow((i * 0.6180339) % 1, 3))}`).then((r) => r.arrayBuffer());
  browser = await openBrowser(admin.url);
});

afterAll(async () => {
  await browser?.close();
  await admin?.close();
  await tr?.close();
  await Promise.all((servers ?? []).map((s) => s.close()));
});

describe('dashboard: shadow and misroutes', () => {
  it('shows the shadow line and flags the misrouted route', async () => {
    const page = browser.page;
    await page.goto(admin.url + '/');
    const line = page.locator('[data-pool="objects"] [data-pool-field="shadow"]');
    await line.waitFor({ timeout: 10_000 });
    expect(await line.textContent()).toMatch(/^lard would have hit 0\.\d\d where wrr hit 0\.\d\d; agrees \d+\.\d %$/);
    const row = page.locator('#routes tr[data-route="images"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('class')).toBeNull();
    for (let i = 0; i < 6; i++) await fetch(`${tr.url}/img/logo${i}.png`).then((r) => r.arrayBuffer());
    await page.waitForSelector('#routes tr[data-route="images"].misrouted', { timeout: 5000 });
    expect(await page.locator('#routes tr.misrouted').count()).toBe(1);
    await page.screenshot({ path: SHOT, fullPage: true });
    expect(browser.errors).toEqual([]);
  });
});
