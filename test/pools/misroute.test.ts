// pools.<name>.expect (src/pools/misroute.ts): answers outside the pool's MIME globs are counted per
// route and backend, flag the route at the next stats tick, raise one event per 10 s and, with
// learnMime, are reported with the learned path as evidence.
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/server.js';
import { EventBus } from '../../src/events.js';
import { Misroutes } from '../../src/pools/misroute.js';
import { nextEvent, recordEvents, startRouter, startServer, type TestServer } from '../helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function imageBackend(): Promise<TestServer & { type: string }> {
  const st = { type: 'image/png' };
  const s = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': st.type });
    res.end('x');
  });
  open.push(s);
  return Object.assign(st, s);
}

const TICK = 300;

describe('misroute detection', () => {
  it('a backend of the image pool that starts serving text/html is flagged within one stats tick', async () => {
    const good = await imageBackend();
    const bad = await imageBackend();
    const tr = await startRouter({
      pools: { images: { scheduler: 'rr', expect: 'image/*', learnMime: true, backends: [good.url, bad.url] } },
      routes: [{ name: 'img', match: { path: '/img/**' }, pool: 'images' }],
    });
    open.push(tr);
    const admin = await startAdmin(tr.router, { port: 0, tickMs: TICK });
    open.push(admin);
    const events = recordEvents(tr.router.events);
    const get = (p: string) => fetch(`${tr.url}${p}`).then((r) => r.text());

    for (let i = 0; i < 10; i++) await get(`/img/a${i}`);
    const quiet = await nextEvent(tr.router.events, 'stats.tick', () => true, 2000);
    const q = (quiet.pools as Record<string, { misroutes: { flagged: string[]; total: number } }>).images!.misroutes;
    expect(q).toMatchObject({ flagged: [], total: 0 });

    bad.type = 'text/html; charset=utf-8';
    for (let i = 0; i < 10; i++) await get(`/img/b${i}`);
    const answered = Date.now();
    const tick = await nextEvent(tr.router.events, 'stats.tick', () => true, 2000);
    // the first tick after the misrouted answers flags the route
    expect(tick.at - answered).toBeLessThanOrEqual(TICK + 150);
    const m = (tick.pools as Record<string, { misroutes: { flagged: string[]; total: number; cells: { backend: string; count: number }[] } }>).images!.misroutes;
    expect(m.flagged).toEqual(['img']);
    expect(m.total).toBe(5);
    expect(m.cells).toEqual([expect.objectContaining({ backend: `127.0.0.1:${bad.port}`, count: 5 })]);

    // one event per route and backend, rate-limited: more misroutes within 10 s raise none
    for (let i = 0; i < 6; i++) await get(`/img/c${i}`);
    await nextEvent(tr.router.events, 'stats.tick', () => true, 2000);
    await nextEvent(tr.router.events, 'stats.tick', () => true, 2000);
    const raised = events.filter((e) => e.name === 'route.misroute');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.payload).toMatchObject({ pool: 'images', route: 'img', backend: `127.0.0.1:${bad.port}`, count: 5, contentType: 'text/html', expect: ['image/*'], learned: true });

    // the admin API: counts and the learned paths as evidence; /metrics: per route and backend
    const pool = await fetch(`${admin.url}/api/pools/images`).then((r) => r.json()) as { misroutes: { total: number; evidence: { path: string; learned: string; expect: string[] }[] } };
    expect(pool.misroutes.total).toBe(8);
    expect(pool.misroutes.evidence).toHaveLength(8);
    expect(pool.misroutes.evidence[0]).toMatchObject({ path: expect.stringMatching(/^\/img\/b/), learned: 'text/html', expect: ['image/*'] });
    const metrics = await fetch(`${admin.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`switchyard_misroutes_total{route="img",pool="images",backend="127.0.0.1:${bad.port}"} 8`);
    expect(metrics).not.toMatch(new RegExp(`switchyard_misroutes_total\\{[^}]*127\\.0\\.0\\.1:${good.port}`));
  });

  it('counts only 2xx answers whose type (parameters aside) is outside every glob', () => {
    const m = new Misroutes(['image/*', 'application/json']);
    m.answer(200, 'image/webp', 'r', 'b1', '/a', false);
    m.answer(200, 'Application/JSON; charset=utf-8', 'r', 'b1', '/b', false);
    m.answer(404, 'text/html', 'r', 'b1', '/c', false);
    m.answer(200, undefined, 'r', 'b1', '/d', false);
    expect(m.total).toBe(0);
    m.answer(206, 'text/html', 'r', 'b2', '/e', false);
    m.answer(200, 'text/plain', 'r2', 'b2', '/f', true);
    expect(m.total).toBe(2);
    expect(m.counts()).toEqual([{ route: 'r', backend: 'b2', count: 1 }, { route: 'r2', backend: 'b2', count: 1 }]);
    expect(m.view().evidence).toEqual([expect.objectContaining({ path: '/f', learned: 'text/plain', route: 'r2' })]);
    const bus = new EventBus();
    const seen: unknown[] = [];
    bus.on('route.misroute', (e) => seen.push(e));
    const now = Date.now();
    m.tick('p', now, bus);
    expect(m.flagged.sort()).toEqual(['r', 'r2']);
    expect(seen).toHaveLength(2);
    m.answer(200, 'text/html', 'r', 'b2', '/g', false);
    m.tick('p', now + 9_999, bus);
    expect(seen).toHaveLength(2);
    m.tick('p', now + 10_000, bus);
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatchObject({ route: 'r', count: 1, path: '/g' });
    // a minute without misroutes clears the flag
    m.tick('p', Date.now() + 60_001, bus);
    expect(m.flagged).toEqual([]);
  });

  it('is checked: a glob without a slash and an item that is not a string are named, nothing thrown', async () => {
    const { validate } = await import('../../src/config/validate.js');
    const check = (expectGlobs: unknown) => validate({ pools: { a: { backends: ['http://127.0.0.1:1'], expect: expectGlobs } }, routes: [{ pool: 'a' }] });
    expect(check('image').problems).toEqual([{ path: 'pools.a.expect', message: '"image" never matches a MIME type (type/subtype); did you mean "image/*"?' }]);
    expect(check(['image/*', 'text']).problems.map((p) => p.path)).toEqual(['pools.a.expect[1]']);
    expect(check(['text/html', 5]).problems).toEqual([{ path: 'pools.a.expect[1]', message: 'must be a MIME type glob string, got 5' }]);
    expect(check(['IMAGE/*', '**']).config!.pools.a!.expect).toEqual(['image/*', '**']);
  });

  it('a pool without expect counts nothing', async () => {
    const b = await imageBackend();
    b.type = 'text/html';
    const tr = await startRouter({ pools: { images: { backends: [b.url] } }, routes: [{ pool: 'images' }] });
    open.push(tr);
    await fetch(`${tr.url}/x`).then((r) => r.text());
    expect(tr.router.pools.get('images')!.misroute).toBeUndefined();
  });
});
