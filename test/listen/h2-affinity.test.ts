// Affinity over HTTP/2 (docs/routing.md, "HTTP/2"): connection affinity pins per HTTP/2
// connection (every stream of one session on one backend, another session scheduled anew);
// cookie and client affinity work per stream as for HTTP/1.1.
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, sleep, startRouter, type TestRouter, type TestServer } from '../helpers.js';
import { h2req, h2session } from './h2-client.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(pool: Record<string, unknown>, affinity: Record<string, unknown> = {}): Promise<TestRouter> {
  const b: TestServer[] = [];
  for (let i = 0; i < 3; i++) b.push(await echoBackend(`b${i + 1}`));
  const r = await startRouter({
    listen: { host: '127.0.0.1', port: 0, http2: true },
    affinity,
    pools: { web: { scheduler: 'rr', backends: b.map((x) => x.url), ...pool } },
    routes: [{ pool: 'web' }],
  });
  open.push(r, ...b);
  return r;
}

const backendOf = (r: { headers: Record<string, string | string[] | undefined> }) => r.headers['x-backend'] as string;

describe('connection affinity', () => {
  it('pins every stream of one HTTP/2 connection, sequential or concurrent; another connection is scheduled', async () => {
    const r = await setup({ affinity: 'connection' });
    const s1 = await h2session(r.port);
    const s2 = await h2session(r.port);
    const first: string[] = [];
    for (let i = 0; i < 3; i++) first.push(backendOf(await h2req(s1, { ':path': `/a${i}` })));
    first.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => h2req(s1, { ':path': `/c${i}` })))).map(backendOf));
    const second: string[] = [];
    for (let i = 0; i < 3; i++) second.push(backendOf(await h2req(s2, { ':path': `/b${i}` })));
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(r.router.affinity.stats()).toMatchObject({ connections: 2 });
    s1.close();
    s2.close();
    await sleep(100);
    // the pins of closed connections start to expire
    expect(r.router.affinity.list({ pool: 'web' }).every((e) => e.kind === 'connection' && e.expiresIn !== null && e.live === 0)).toBe(true);
  });
});

describe('cookie affinity', () => {
  it('sets the cookie on an HTTP/2 answer and follows it on later streams, also split in two cookie fields', async () => {
    const r = await setup({ affinity: 'cookie' });
    const s = await h2session(r.port);
    open.push(s);
    const first = await h2req(s, { ':path': '/' });
    const set = first.headers['set-cookie'] as string[];
    const cookie = set[0]!.split(';')[0]!;
    expect(cookie).toMatch(/^sy-aff-web=/);
    for (let i = 0; i < 4; i++) {
      const got = await h2req(s, { ':path': `/${i}`, cookie: ['other=1', cookie] });
      expect(backendOf(got)).toBe(backendOf(first));
    }
    // without the cookie, streams are scheduled (rr moves on)
    const free = await Promise.all([1, 2, 3].map((i) => h2req(s, { ':path': `/free${i}` })));
    expect(new Set(free.map(backendOf)).size).toBeGreaterThan(1);
  });
});

describe('client affinity', () => {
  it('pins by client address across streams and connections', async () => {
    const r = await setup({ affinity: 'client' }, { netmask: 32 });
    const s1 = await h2session(r.port);
    const s2 = await h2session(r.port);
    open.push(s1, s2);
    const got = await Promise.all([...[1, 2, 3].map((i) => h2req(s1, { ':path': `/x${i}` })), ...[1, 2, 3].map((i) => h2req(s2, { ':path': `/y${i}` }))]);
    expect(new Set(got.map(backendOf)).size).toBe(1);
  });
});
