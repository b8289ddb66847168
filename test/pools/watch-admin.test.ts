// Where a shadow scheduler and a misroute counter show (src/admin/watch.ts): GET /api/pools/<name>,
// the stats tick and /metrics carry the same figures; HTTP/2 streams are shadowed and checked
// against `expect` like HTTP/1.1 requests (docs/schedulers.md "Shadow schedulers").
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/server.js';
import type { ShadowView } from '../../src/pools/shadow.js';
import type { MisroutesView } from '../../src/pools/misroute.js';
import { nextEvent, startRouter, startServer, type TestServer } from '../helpers.js';
import { h2req, h2session } from '../listen/h2-client.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** Answers 100 bytes with a Content-Length, except /nolen (chunked, no length); `type` as set. */
async function backend(type = 'application/octet-stream'): Promise<TestServer> {
  const s = await startServer((req, res) => {
    if (req.url === '/nolen') {
      res.writeHead(200, { 'content-type': type });
      res.write('x');
      res.end('y');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': 100 });
    res.end(Buffer.alloc(100));
  });
  open.push(s);
  return s;
}

/** The value of one /metrics series, by its exact label text; undefined when absent. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('shadow and misroutes in the admin API and /metrics', () => {
  it('the pool JSON, the stats tick and /metrics report the same shadow figures', async () => {
    const bs = await Promise.all([0, 1, 2].map(() => backend()));
    const tr = await startRouter({
      pools: {
        objects: { scheduler: 'rr', shadow: { scheduler: 'mh', cacheBytes: 10_000 }, backends: bs.map((b) => b.url) },
        plain: { scheduler: 'rr', backends: [bs[0]!.url] },
      },
      routes: [{ name: 'plain', match: { path: '/plain/**' }, pool: 'plain' }, { name: 'obj', match: {}, pool: 'objects' }],
    });
    open.push(tr);
    const admin = await startAdmin(tr.router, { port: 0, tickMs: 200 });
    open.push(admin);
    const get = (p: string) => fetch(`${tr.url}${p}`).then((r) => r.arrayBuffer());

    // ten paths three times over: rr sends a path to three different backends in turn (no modelled
    // hit); mh sends it to one backend every time (a miss, then two hits)
    for (let round = 0; round < 3; round++) for (let i = 0; i < 10; i++) await get(`/o/${i}`);
    await get('/nolen');
    await get('/plain/x');

    const pool = (await fetch(`${admin.url}/api/pools/objects`).then((r) => r.json())) as { shadow: ShadowView };
    const s = pool.shadow;
    expect(s).toMatchObject({ scheduler: 'mh', cacheBytes: 10_000, decisions: 31, sized: 30, unsized: 1 });
    expect(s.hitRatio).toEqual({ live: 0, shadow: 0.6667 });
    expect(s.backends.map((b) => b.id).sort()).toEqual(bs.map((b) => `127.0.0.1:${b.port}`).sort());
    const sum = (k: 'live' | 'shadow') => s.backends.reduce((n, b) => n + b[k], 0);
    expect(sum('live')).toBeCloseTo(1, 3);
    expect(sum('shadow')).toBeCloseTo(1, 3);
    const plain = (await fetch(`${admin.url}/api/pools/plain`).then((r) => r.json())) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('shadow');
    expect(plain).not.toHaveProperty('misroutes');

    const tick = await nextEvent(tr.router.events, 'stats.tick', () => true, 2000);
    expect((tick.pools as Record<string, { shadow: ShadowView }>).objects!.shadow).toMatchObject({ decisions: 31, agreement: s.agreement, hitRatio: s.hitRatio });

    const m = await fetch(`${admin.url}/metrics`).then((r) => r.text());
    const agree = series(m, 'switchyard_shadow_decisions_total', 'pool="objects",shadow="mh",result="agree"');
    const differ = series(m, 'switchyard_shadow_decisions_total', 'pool="objects",shadow="mh",result="differ"');
    expect(agree! + differ!).toBe(31);
    expect(agree! / 31).toBeCloseTo(s.agreement!, 3);
    expect(series(m, 'switchyard_shadow_modelled_hit_ratio', 'pool="objects",scheduler="rr",decisions="live"')).toBe(0);
    expect(series(m, 'switchyard_shadow_modelled_hit_ratio', 'pool="objects",scheduler="mh",decisions="shadow"')).toBe(0.6667);
    for (const b of s.backends) {
      expect(series(m, 'switchyard_shadow_share', `pool="objects",backend="${b.id}",decisions="live"`)).toBe(b.live);
      expect(series(m, 'switchyard_shadow_share', `pool="objects",backend="${b.id}",decisions="shadow"`)).toBe(b.shadow);
    }
    expect(m).not.toMatch(/switchyard_shadow_\w+\{pool="plain"/);
  });

  it('HTTP/2 streams are shadowed and counted as misroutes like HTTP/1.1 requests', async () => {
    const html = await backend('text/html');
    const tr = await startRouter({
      listen: { host: '127.0.0.1', port: 0, http2: true },
      pools: { images: { scheduler: 'rr', expect: 'image/*', shadow: { scheduler: 'mh' }, backends: [html.url] } },
      routes: [{ name: 'img', match: {}, pool: 'images' }],
    });
    open.push(tr);
    const session = await h2session(tr.port);
    open.push({ close: () => new Promise<void>((done) => session.close(() => done())) });
    for (let i = 0; i < 4; i++) {
      const r = await h2req(session, { ':path': `/img/${i}` });
      expect(r.status).toBe(200);
    }
    const p = tr.router.pools.get('images')!;
    expect(p.shadow!.decisions).toBe(4);
    expect(p.shadow!.agreements).toBe(4); // one backend: both sides always agree
    const v: MisroutesView = p.misroute!.view();
    expect(v.total).toBe(4);
    expect(v.cells).toEqual([expect.objectContaining({ route: 'img', backend: `127.0.0.1:${html.port}`, count: 4, lastType: 'text/html' })]);
  });
});
