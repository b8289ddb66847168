// Per-pool shares of the affinity table through a real Router: a header and cookie flood on two
// pools leaves a client-affinity pool's pins in place (src/affinity/table.ts).
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestServer } from '../helpers.js';

function get(port: number, path: string, opts: { agent?: Agent; localAddress?: string; headers?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const rq = request({ host: '127.0.0.1', port, path, agent: opts.agent ?? false, localAddress: opts.localAddress, headers: opts.headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(res.headers['x-backend'] as string) : reject(new Error(`status ${res.statusCode}`))));
    });
    rq.on('error', reject);
    rq.end();
  });
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

describe('a flood on one pool', () => {
  it('leaves every client pin of another pool in place (maxEntries 60, 900 flood keys)', async () => {
    const b: TestServer[] = [];
    for (let i = 0; i < 4; i++) b.push(await echoBackend(`b${i + 1}`));
    const r = await startRouter({
      affinity: { maxEntries: 60 },
      pools: {
        cgi: { scheduler: 'rr', affinity: 'client', backends: [b[0]!.url, b[1]!.url] },
        api: { scheduler: 'rr', affinity: { header: 'x-session-id' }, backends: [b[2]!.url] },
        shop: { scheduler: 'rr', affinity: 'cookie', backends: [b[3]!.url] },
      },
      routes: [
        { match: { path: '/cgi/*' }, pool: 'cgi' },
        { match: { path: '/api/*' }, pool: 'api' },
        { match: { path: '/shop/*' }, pool: 'shop' },
      ],
    });
    open.push(r, ...b);
    const clients = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
    const pinned = new Map<string, string>();
    for (const c of clients) pinned.set(c, await get(r.port, '/cgi/x', { localAddress: c }));
    expect(new Set(pinned.values()).size).toBe(2);

    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const flood: Promise<string>[] = [];
    for (let i = 0; i < 600; i++) flood.push(get(r.port, '/api/x', { agent, headers: { 'x-session-id': `s-${i}-${'z'.repeat(200)}` } }));
    for (let i = 0; i < 300; i++) flood.push(get(r.port, '/shop/x', { agent })); // no cookie: a new cookie pin each
    await Promise.all(flood);
    agent.destroy();
    const s = r.router.affinity.stats();
    expect(s.entries).toBe(60);
    expect(s.evictions).toBeGreaterThanOrEqual(900 + 20 - 60);

    const now = Date.now();
    const id = (name: string): string => `127.0.0.1:${b[Number(name.slice(1)) - 1]!.port}`; // a backend's id is host:port
    for (const c of clients) expect(r.router.affinity.table.peek('cgi', 'client', c, now), c).toBe(id(pinned.get(c)!));
    for (const c of clients) expect(await get(r.port, '/cgi/x', { localAddress: c }), c).toBe(pinned.get(c));
    expect(r.router.affinity.stats().hits - s.hits).toBe(20);
  });
});
