// Fallback pools and the sorry answer through real sockets: a pool with no backend taking work
// hands its requests down its fallback chain (the access record and explain say so); when nothing
// along the chain is available, the pool's sorry answer replaces the plain 503, Retry-After kept,
// for plain requests and for upgrades alike.
import { afterEach, describe, expect, it } from 'vitest';
import { formatExplanation } from '../../src/cli/explain.js';
import { h2req, h2session } from '../listen/h2-client.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { rawExchange, rawRequest, startRouter, switchBackend, type SwitchBackend, type TestRouter } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(pools: (b: Record<string, SwitchBackend>) => Record<string, unknown>, route = 'web'): Promise<{ tr: TestRouter; b: Record<string, SwitchBackend>; recs: AccessRecord[] }> {
  const b: Record<string, SwitchBackend> = {};
  for (const n of ['W', 'S', 'T']) b[n] = await switchBackend(n);
  cleanup.push(async () => { for (const x of Object.values(b)) await x.close(); });
  const tr = await startRouter({ pools: pools(b), routes: [{ name: 'all', pool: route }] });
  cleanup.push(() => tr.close());
  const recs: AccessRecord[] = [];
  tr.router.requestObservers.push((r) => recs.push(r));
  return { tr, b, recs };
}
const id = (b: SwitchBackend) => `127.0.0.1:${b.port}`;
const get = (tr: TestRouter, target = '/x') => rawRequest(tr.port, { method: 'GET', target });

describe('fallback pools', () => {
  it('take the requests of a pool whose every backend is out, and give them back', async () => {
    const { tr, b, recs } = await setup((b) => ({
      web: { scheduler: 'rr', backends: [b.W!.url], fallback: 'spare' },
      spare: { scheduler: 'rr', backends: [b.S!.url] },
    }));
    expect((await get(tr)).body).toBe('W');
    tr.router.control.setState('web', id(b.W!), 'disabled');
    const a = await get(tr, '/during');
    expect([a.status, a.body]).toEqual([200, 'S']);
    expect(recs.at(-1)).toMatchObject({ path: '/during', pool: 'spare', fallbackFrom: 'web', backend: id(b.S!), route: 'all' });
    const e = tr.router.explain({ method: 'GET', url: '/during' });
    expect(e).toMatchObject({ status: 200, fallbackFrom: ['web'], pool: { name: 'spare' }, backend: { id: id(b.S!) } });
    expect(formatExplanation(e)).toMatch(/→ pool "web" has no available backend: fallback\n {2}→ pool "spare"/);
    tr.router.control.setState('web', id(b.W!), 'active');
    expect((await get(tr, '/after')).body).toBe('W');
    expect(recs.at(-1)!.fallbackFrom).toBeUndefined();
    expect(tr.router.explain({ method: 'GET', url: '/after' }).fallbackFrom).toBeUndefined();
  });

  it('follow a chain past pools that are out, and backups count before the fallback', async () => {
    const { tr, b, recs } = await setup((b) => ({
      web: { scheduler: 'rr', backends: [b.W!.url], fallback: 'mid' },
      mid: { scheduler: 'rr', backends: [{ url: b.S!.url, backup: true }], fallback: 'last' },
      last: { scheduler: 'rr', backends: [b.T!.url] },
    }));
    const c = tr.router.control;
    c.setState('web', id(b.W!), 'drain');
    // mid has only a backup: it serves (no primary there to be available)
    expect((await get(tr)).body).toBe('S');
    expect(recs.at(-1)).toMatchObject({ pool: 'mid', fallbackFrom: 'web' });
    c.setState('mid', id(b.S!), 'disabled');
    expect((await get(tr)).body).toBe('T');
    expect(recs.at(-1)).toMatchObject({ pool: 'last', fallbackFrom: 'web' });
    expect(tr.router.explain({ method: 'GET', url: '/' }).fallbackFrom).toEqual(['web', 'mid']);
  });
});

describe('the sorry answer', () => {
  it('replaces the plain 503 when nothing along the chain is available, Retry-After kept', async () => {
    const body = '<h1>Back soon</h1>';
    const { tr, b, recs } = await setup((b) => ({
      web: { scheduler: 'rr', backends: [b.W!.url], fallback: 'spare', sorry: { status: 503, body, contentType: 'text/html; charset=utf-8' } },
      spare: { scheduler: 'rr', backends: [b.S!.url], sorry: { status: 200, body: 'spare sorry' } },
    }));
    tr.router.control.setState('web', id(b.W!), 'disabled');
    tr.router.control.setState('spare', id(b.S!), 'disabled');
    const a = await get(tr, '/none');
    expect(a).toMatchObject({ status: 503, body, headers: { 'content-type': 'text/html; charset=utf-8', 'retry-after': '5', 'content-length': String(Buffer.byteLength(body)) } });
    // the route's own pool keeps the request in the log: nothing served it
    expect(recs.at(-1)).toMatchObject({ path: '/none', status: 503, pool: 'web', error: 'SY_ERR_NO_BACKEND', attempts: 0 });
    expect(recs.at(-1)!.fallbackFrom).toBeUndefined();
    expect(tr.router.explain({ method: 'GET', url: '/none' })).toMatchObject({ status: 503, backend: null });
    // an upgrade request gets the same answer on the raw socket
    const up = await rawExchange(tr.port, `GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    expect(up).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(up).toContain('retry-after: 5\r\n');
    expect(up.endsWith(`\r\n\r\n${body}`)).toBe(true);
  });

  it('is the first one set along the chain; without any, the plain 503', async () => {
    const { tr, b } = await setup((b) => ({
      web: { scheduler: 'rr', backends: [b.W!.url], fallback: 'spare' },
      spare: { scheduler: 'rr', backends: [b.S!.url], sorry: { status: 200, body: 'spare sorry' } },
      lone: { scheduler: 'rr', backends: [b.T!.url] },
    }));
    for (const [p, x] of [['web', b.W!], ['spare', b.S!], ['lone', b.T!]] as const) tr.router.control.setState(p, id(x), 'disabled');
    const a = await get(tr);
    expect(a).toMatchObject({ status: 200, body: 'spare sorry', headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' } });
    expect(tr.router.explain({ method: 'GET', url: '/' }).status).toBe(200);
    // a pool without sorry and fallback: the plain 503 as before
    const { tr: tr2, b: b2 } = await setup((b) => ({ lone: { scheduler: 'rr', backends: [b.T!.url] } }), 'lone');
    tr2.router.control.setState('lone', id(b2.T!), 'disabled');
    const p = await get(tr2);
    expect(p).toMatchObject({ status: 503, body: '503 no backend available in pool\n', headers: { 'retry-after': '5', 'x-switchyard-error': 'SY_ERR_NO_BACKEND' } });
  });

  it('answers HTTP/2 streams too (h2c)', async () => {
    const b = await switchBackend('W');
    cleanup.push(() => b.close());
    const tr = await startRouter({
      listen: { host: '127.0.0.1', port: 0, http2: true },
      pools: { web: { scheduler: 'rr', backends: [b.url], sorry: { status: 503, body: '{"error":"maintenance"}', contentType: 'application/json' } } },
      routes: [{ pool: 'web' }],
    });
    cleanup.push(() => tr.close());
    tr.router.control.setState('web', id(b), 'disabled');
    const s = await h2session(tr.port);
    cleanup.push(async () => void s.close());
    const got = await h2req(s, { ':path': '/x', ':authority': 'a.test' });
    expect(got).toMatchObject({ status: 503, body: '{"error":"maintenance"}', headers: { 'content-type': 'application/json', 'retry-after': '5' } });
  });
});
