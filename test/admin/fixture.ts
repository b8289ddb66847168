// A router in front of demo backends (they send X-Cache) with an admin server, all on 127.0.0.1:0.
import { startDemoBackend, type DemoBackend } from '../../src/demo/backends.js';
import { startAdmin, buildAdmin, type Admin, type AdminOptions } from '../../src/admin/server.js';
import { startRouter, type TestRouter } from '../helpers.js';

export interface Fixture {
  tr: TestRouter;
  html: DemoBackend[];
  images: DemoBackend[];
  cgi: DemoBackend[];
  admin: Admin;
  close(): Promise<void>;
}

export async function fixture(opts: AdminOptions & { listen?: boolean } = {}): Promise<Fixture> {
  const html = [await startDemoBackend('html'), await startDemoBackend('html')];
  const images = [await startDemoBackend('images'), await startDemoBackend('images')];
  const cgi = [await startDemoBackend('cgi')];
  const tr = await startRouter({
    pools: {
      html: { scheduler: 'rr', backends: html.map((b) => `http://${b.id}`) },
      images: { scheduler: 'rr', backends: [{ url: `http://${images[0]!.id}`, weight: 2 }, `http://${images[1]!.id}`] },
      cgi: { scheduler: 'wlc', affinity: 'client', backends: cgi.map((b) => `http://${b.id}`), health: { path: '/healthz', interval: 200, timeout: 500, rise: 1, fall: 2 } },
    },
    routes: [
      { name: 'cgi', match: { path: '/cgi-bin/**' }, pool: 'cgi' },
      { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
      { name: 'html', match: {}, pool: 'html' },
    ],
  });
  const admin = opts.listen === false ? await buildAdmin(tr.router, opts) : await startAdmin(tr.router, { port: 0, ...opts });
  return {
    tr, html, images, cgi, admin,
    close: async () => {
      await admin.close();
      await tr.close();
      await Promise.all([...html, ...images, ...cgi].map((b) => b.close()));
    },
  };
}

/** n GETs of each path through the router, in order. */
export async function traffic(base: string, paths: string[], n = 1): Promise<void> {
  for (let i = 0; i < n; i++) for (const p of paths) await (await fetch(base + p)).arrayBuffer();
}
