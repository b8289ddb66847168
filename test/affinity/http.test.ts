// Affinity through a real Router over real sockets: connection, client (netmask), header and
// cookie pins; expiry; drain; a killed backend; LRU bound; explain.
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';

interface Res {
  status: number;
  backend: string | undefined;
  setCookie: string[] | undefined;
}

function get(port: number, opts: { agent?: Agent; localAddress?: string; headers?: Record<string, string>; path?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const rq = request(
      { host: '127.0.0.1', port, path: opts.path ?? '/', agent: opts.agent ?? false, localAddress: opts.localAddress, headers: opts.headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, backend: res.headers['x-backend'] as string | undefined, setCookie: res.headers['set-cookie'] }));
      },
    );
    rq.on('error', reject);
    rq.end();
  });
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(n: number, pool: Record<string, unknown>, affinity: Record<string, unknown> = {}): Promise<{ r: TestRouter; b: TestServer[] }> {
  const b: TestServer[] = [];
  for (let i = 0; i < n; i++) b.push(await echoBackend(`b${i + 1}`));
  const r = await startRouter({
    affinity,
    pools: { web: { scheduler: 'rr', backends: b.map((x) => x.url), ...pool } },
    routes: [{ pool: 'web' }],
  });
  open.push(r, ...b);
  return { r, b };
}

describe('connection affinity', () => {
  it('keeps every request of a keep-alive connection on one backend; a new connection is scheduled', async () => {
    const { r } = await setup(3, { affinity: 'connection' });
    const a1 = new Agent({ keepAlive: true, maxSockets: 1 });
    const a2 = new Agent({ keepAlive: true, maxSockets: 1 });
    const first: string[] = [];
    const second: string[] = [];
    for (let i = 0; i < 5; i++) first.push((await get(r.port, { agent: a1 })).backend!);
    for (let i = 0; i < 5; i++) second.push((await get(r.port, { agent: a2 })).backend!);
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(r.router.affinity.stats()).toMatchObject({ connections: 2, hits: 8 });
    const rows = r.router.affinity.list({ pool: 'web' });
    expect(rows.every((e) => e.kind === 'connection' && e.expiresIn === null && /^127\.0\.0\.1:\d+#\d+$/.test(e.client))).toBe(true);
    a1.destroy();
    a2.destroy();
    await new Promise((res) => setTimeout(res, 100));
    expect(r.router.affinity.list({ pool: 'web' }).every((e) => e.expiresIn !== null && e.live === 0)).toBe(true);
  });
});

describe('client affinity (persistence templates)', () => {
  it('netmask 24: 127.0.0.2 and 127.0.0.3 share one pin across connections', async () => {
    const { r } = await setup(3, { affinity: 'client' }, { netmask: 24 });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      seen.add((await get(r.port, { localAddress: '127.0.0.2' })).backend!);
      seen.add((await get(r.port, { localAddress: '127.0.0.3' })).backend!);
    }
    expect(seen.size).toBe(1);
    expect(r.router.affinity.list()).toMatchObject([{ pool: 'web', kind: 'client', client: '127.0.0.0/24' }]);
  });

  it('netmask 32: 127.0.0.2 and 127.0.0.3 are pinned independently', async () => {
    const { r } = await setup(3, { affinity: 'client' }, { netmask: 32 });
    const two = new Set<string>();
    const three = new Set<string>();
    for (let i = 0; i < 4; i++) {
      two.add((await get(r.port, { localAddress: '127.0.0.2' })).backend!);
      three.add((await get(r.port, { localAddress: '127.0.0.3' })).backend!);
    }
    expect(two.size).toBe(1);
    expect(three.size).toBe(1);
    expect([...two][0]).not.toBe([...three][0]);
    expect(r.router.affinity.list().map((e) => e.client).sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it('a template expires `timeout` s after its last use', async () => {
    const { r } = await setup(3, { affinity: 'client' }, { timeout: 1 });
    const x1 = (await get(r.port, { localAddress: '127.0.0.2' })).backend;
    const y = (await get(r.port, { localAddress: '127.0.0.3' })).backend;
    expect((await get(r.port, { localAddress: '127.0.0.2' })).backend).toBe(x1);
    expect(y).not.toBe(x1);
    await new Promise((res) => setTimeout(res, 1300));
    const x2 = (await get(r.port, { localAddress: '127.0.0.2' })).backend;
    expect(x2).not.toBe(x1); // round robin moved on: b3
    expect(x2).not.toBe(y);
    expect(r.router.affinity.stats().expirations).toBeGreaterThanOrEqual(1);
  });

  it('drain keeps pinned clients and takes no new ones', async () => {
    const { r } = await setup(3, { affinity: 'client' });
    const pinned = (await get(r.port, { localAddress: '127.0.0.2' })).backend!;
    const id = r.router.pools.get('web')!.backends[Number(pinned.slice(1)) - 1]!.id;
    r.router.control.setState('web', id, 'drain');
    for (let i = 0; i < 3; i++) expect((await get(r.port, { localAddress: '127.0.0.2' })).backend).toBe(pinned);
    for (const ip of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']) expect((await get(r.port, { localAddress: ip })).backend).not.toBe(pinned);
    // expireQuiescentTemplate is not set: the drained backend still holds 127.0.0.2
    expect((await get(r.port, { localAddress: '127.0.0.2' })).backend).toBe(pinned);
  });

  it("a killed backend's clients are re-pinned with no failed GET", async () => {
    const { r, b } = await setup(3, { affinity: 'client', health: undefined });
    const clients = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
    const before = new Map<string, string>();
    for (const c of clients) before.set(c, (await get(r.port, { localAddress: c })).backend!);
    const victim = before.get('127.0.0.2')!;
    await b[Number(victim.slice(1)) - 1]!.close();
    const after = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const c of clients) {
        const res = await get(r.port, { localAddress: c });
        expect(res.status).toBe(200);
        expect(res.backend).not.toBe(victim);
        if (round === 0) after.set(c, res.backend!);
        else expect(res.backend).toBe(after.get(c)); // the new pin holds
      }
    }
    for (const c of clients) if (before.get(c) !== victim) expect(after.get(c)).toBe(before.get(c));
  });

  it('a removed backend added back takes new clients only', async () => {
    const { r } = await setup(2, { affinity: 'client' });
    const pool = r.router.pools.get('web')!;
    const x = (await get(r.port, { localAddress: '127.0.0.2' })).backend!;
    const xb = pool.backends[Number(x.slice(1)) - 1]!;
    await r.router.control.remove('web', xb.id, 1000);
    const moved = (await get(r.port, { localAddress: '127.0.0.2' })).backend!;
    expect(moved).not.toBe(x);
    r.router.control.add('web', xb.url);
    for (let i = 0; i < 3; i++) expect((await get(r.port, { localAddress: '127.0.0.2' })).backend).toBe(moved);
    const fresh = new Set<string>();
    for (const ip of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) fresh.add((await get(r.port, { localAddress: ip })).backend!);
    expect(fresh.has(x)).toBe(true);
  });

  it('pins survive a config reload', async () => {
    const { r, b } = await setup(3, { affinity: 'client' });
    const pinned = (await get(r.port, { localAddress: '127.0.0.2' })).backend;
    const { validate } = await import('../../src/config/validate.js');
    const next = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, affinity: { timeout: 120 },
      pools: { web: { scheduler: 'rr', affinity: 'client', backends: b.map((x) => x.url) } }, routes: [{ pool: 'web' }] });
    r.router.apply(next.config!);
    for (let i = 0; i < 3; i++) {
      await get(r.port, { localAddress: `127.0.0.${10 + i}` });
      expect((await get(r.port, { localAddress: '127.0.0.2' })).backend).toBe(pinned);
    }
  });

  it('holds the table at maxEntries, keeping recent clients (CLOCK)', async () => {
    const { r } = await setup(2, { affinity: 'client' }, { maxEntries: 3 });
    for (let i = 2; i < 10; i++) await get(r.port, { localAddress: `127.0.0.${i}` });
    expect(r.router.affinity.stats()).toMatchObject({ entries: 3, evictions: 5 });
    const kept = r.router.affinity.list().map((e) => e.client);
    // exact LRU keeps .9, .8, .7; the clock keeps the newest and, whatever the hash seed, two of .5–.8
    expect(kept[0]).toBe('127.0.0.9');
    expect(kept.every((c) => Number(c.split('.')[3]) >= 5)).toBe(true);
  });

  it('explain shows the pin without creating one', async () => {
    const { r } = await setup(3, { affinity: 'client' });
    const e1 = r.router.explain({ method: 'GET', url: '/', clientIp: '127.0.0.2' });
    expect(e1.affinity).toEqual({ kind: 'client', client: '127.0.0.2', pinned: false });
    expect(e1.reason).toMatch(/no pin.*would pin/);
    expect(r.router.affinity.stats().entries).toBe(0);
    const pinned = (await get(r.port, { localAddress: '127.0.0.2' })).backend!;
    const e2 = r.router.explain({ method: 'GET', url: '/', clientIp: '127.0.0.2' });
    expect(e2.affinity).toEqual({ kind: 'client', client: '127.0.0.2', pinned: true });
    expect(e2.backend!.url).toBe(r.router.pools.get('web')!.backends[Number(pinned.slice(1)) - 1]!.url);
    expect(r.router.affinity.stats()).toMatchObject({ entries: 1, hits: 0 });
  });
});

describe('header affinity', () => {
  it('pins on the header value; requests without it are scheduled unpinned', async () => {
    const { r } = await setup(3, { affinity: { header: 'X-Session-Id' } });
    const s1 = new Set<string>();
    const s2 = new Set<string>();
    for (let i = 0; i < 4; i++) {
      s1.add((await get(r.port, { headers: { 'x-session-id': 'alice' } })).backend!);
      s2.add((await get(r.port, { headers: { 'x-session-id': 'bob' } })).backend!);
    }
    expect(s1.size).toBe(1);
    expect(s2.size).toBe(1);
    expect([...s1][0]).not.toBe([...s2][0]);
    const none = new Set<string>();
    for (let i = 0; i < 3; i++) none.add((await get(r.port)).backend!);
    expect(none.size).toBe(3);
    expect(r.router.affinity.list().map((e) => `${e.kind}:${e.client}`).sort()).toEqual(['header:alice', 'header:bob']);
  });
});

describe('cookie affinity', () => {
  it('sets a signed cookie, follows it, and ignores a tampered one', async () => {
    const { r } = await setup(3, { affinity: 'cookie' });
    const first = await get(r.port);
    expect(first.setCookie).toHaveLength(1);
    const cookie = first.setCookie![0]!.split(';')[0]!;
    expect(cookie).toMatch(/^sy-aff-web=/);
    expect(first.setCookie![0]).toMatch(/Path=\/; HttpOnly; SameSite=Lax/);
    for (let i = 0; i < 4; i++) {
      const res = await get(r.port, { headers: { cookie: `other=1; ${cookie}` } });
      expect(res.backend).toBe(first.backend);
      expect(res.setCookie).toBeUndefined();
    }
    // tamper with every part: each is ignored (scheduler runs, a fresh cookie is set)
    const value = cookie.slice('sy-aff-web='.length);
    const parts = value.split('.');
    const chosen = new Set<string>();
    for (let p = 0; p < 4; p++) {
      const bad = parts.map((x, i) => (i === p ? (x[0] === 'A' ? 'B' : 'A') + x.slice(1) : x)).join('.');
      const res = await get(r.port, { headers: { cookie: `sy-aff-web=${bad}` } });
      expect(res.status).toBe(200);
      expect(res.setCookie).toHaveLength(1);
      expect(res.setCookie![0]).not.toContain(bad);
      chosen.add(res.backend!);
    }
    expect(chosen.size).toBeGreaterThan(1); // round robin, not the cookie, decided
    expect(r.router.affinity.stats().templates).toBe(5);
  });

  it('re-pins when the cookie names a backend that is down', async () => {
    const { r, b } = await setup(2, { affinity: 'cookie' });
    const first = await get(r.port);
    const cookie = first.setCookie![0]!.split(';')[0]!;
    await b[Number(first.backend!.slice(1)) - 1]!.close();
    const res = await get(r.port, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.backend).not.toBe(first.backend);
    expect(res.setCookie).toHaveLength(1);
    const next = await get(r.port, { headers: { cookie: res.setCookie![0]!.split(';')[0]! } });
    expect(next.backend).toBe(res.backend);
    expect(next.setCookie).toBeUndefined();
  });
});
