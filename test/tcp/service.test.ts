// Raw TCP virtual services over real sockets: scheduling, pinning through the affinity core,
// connect failure → next backend, half-close, active/inactive counts, idle timeout, shutdown.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { raw, refusedPort, startRouter, tcpEchoBackend, until, whoAnswers, type TcpEchoBackend, type TestRouter } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function backends(...names: string[]): Promise<TcpEchoBackend[]> {
  const out = await Promise.all(names.map((n) => tcpEchoBackend(n)));
  for (const b of out) cleanup.push(b.close);
  return out;
}

async function router(pool: Record<string, unknown>, svc: Record<string, unknown> = {}, logs?: string[]): Promise<TestRouter> {
  const r = await startRouter({ pools: { pg: pool }, tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg', ...svc }] }, { logs });
  cleanup.push(r.close);
  return r;
}

function fromAddress(port: number, localAddress: string, msg = 'hi'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes(`:${msg}`)) {
        s.destroy();
        resolve(buf.split(':')[0]!);
      }
    });
    s.on('error', reject);
    s.on('connect', () => s.write(msg));
  });
}

describe('config', () => {
  it('tcp services take tcp:// backends, idle/fin timeouts, and hash on the client address', () => {
    const { config, problems } = validate({
      pools: { pg: { scheduler: 'mh', sendProxy: 'v2', backends: ['tcp://10.0.0.1:5432'] } },
      routes: [],
      tcp: [{ listen: { port: 5433, acceptProxy: true }, pool: 'pg', idleTimeout: 60_000 }],
    });
    expect(problems).toEqual([]);
    expect(config!.tcp[0]).toMatchObject({ pool: 'pg', idleTimeout: 60_000, finTimeout: 120_000, listen: { port: 5433, acceptProxy: true } });
    expect(config!.pools.pg!.hashKey).toEqual({ kind: 'client-ip' });
    expect(config!.pools.pg!.sendProxy).toBe('v2');
    const bad = validate({
      pools: { pg: { scheduler: 'mh', hashKey: 'path', sendProxy: 'v3', backends: ['http://10.0.0.1:5432'] } },
      routes: [],
      tcp: [{ listen: { port: 5433 }, pool: 'pg', idleTimeout: 0 }],
    });
    const paths = bad.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['pools.pg.hashKey', 'pools.pg.sendProxy', 'pools.pg.backends[0]', 'tcp[0].idleTimeout']));
  });
});

describe('scheduling and pinning', () => {
  it('round-robin spreads connections over the echo backends in order', async () => {
    const [a, b, c] = await backends('a', 'b', 'c');
    const r = await router({ scheduler: 'rr', backends: [a!.url, b!.url, c!.url] });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await whoAnswers(r.tcpPort()));
    expect(seen).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('a connection stays on its backend for its whole life', async () => {
    const [a, b] = await backends('a', 'b');
    const r = await router({ scheduler: 'rr', backends: [a!.url, b!.url] });
    const c = await raw(r.tcpPort(), { first: 'one' });
    await c.waitFor('one');
    for (const m of ['two', 'three', 'four']) {
      c.socket.write(m);
      await c.waitFor(m);
    }
    expect(c.text()).toBe('a:onea:twoa:threea:four');
    c.socket.destroy();
  });

  it("affinity 'client' pins every connection of a client to one backend (persistence template)", async () => {
    const [a, b, c] = await backends('a', 'b', 'c');
    const r = await router({ scheduler: 'rr', affinity: 'client', backends: [a!.url, b!.url, c!.url] });
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) seen.add(await whoAnswers(r.tcpPort()));
    expect(seen.size).toBe(1);
    const entries = r.router.affinity.list({ pool: 'pg' });
    const templates = entries.filter((e) => e.kind === 'client');
    expect(templates).toHaveLength(1);
    expect(templates[0]!.client).toMatch(/^127\.0\.0\.1/);
  });

  it('netmask 24 makes 127.0.0.2 and 127.0.0.3 share a pin; netmask 32 separates them', async () => {
    const [a, b] = await backends('a', 'b');
    const pool = { scheduler: 'rr', affinity: 'client', backends: [a!.url, b!.url] };
    for (const [netmask, same] of [[24, true], [32, false]] as const) {
      const r = await startRouter({ affinity: { netmask }, pools: { pg: pool }, tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
      const x = await fromAddress(r.tcpPort(), '127.0.0.2');
      const y = await fromAddress(r.tcpPort(), '127.0.0.3');
      expect(await fromAddress(r.tcpPort(), '127.0.0.2')).toBe(x);
      expect(x === y).toBe(same);
      await r.close();
    }
  });

  it('sh hashes the client address: one client keeps its backend, without any affinity setting', async () => {
    const [a, b, c] = await backends('a', 'b', 'c');
    const r = await router({ scheduler: 'sh', backends: [a!.url, b!.url, c!.url] });
    const first = await fromAddress(r.tcpPort(), '127.0.0.9');
    for (let i = 0; i < 4; i++) expect(await fromAddress(r.tcpPort(), '127.0.0.9')).toBe(first);
  });

  it('every spliced connection has a connection entry while it lives (ipvsadm -Lc)', async () => {
    const [a] = await backends('a');
    const r = await router({ scheduler: 'rr', backends: [a!.url] });
    const c = await raw(r.tcpPort(), { first: 'x' });
    await c.waitFor('a:x');
    const conns = r.router.affinity.list({ pool: 'pg' }).filter((e) => e.kind === 'connection');
    expect(conns).toHaveLength(1);
    expect(conns[0]).toMatchObject({ backend: a!.url.slice(6), live: 1, expiresIn: null });
    c.socket.destroy();
  });
});

describe('failures', () => {
  it('connect failure → the next backend takes the connection', async () => {
    const [a] = await backends('a');
    const dead = await refusedPort();
    const r = await router({ scheduler: 'rr', retries: 2, backends: [`tcp://127.0.0.1:${dead}`, a!.url] });
    for (let i = 0; i < 4; i++) expect(await whoAnswers(r.tcpPort())).toBe('a');
    const pool = r.router.pools.get('pg')!;
    expect(pool.get(`127.0.0.1:${dead}`)!.active).toBe(0);
    await until(() => pool.inFlight === 0, 2000, 'all connections closed');
  });

  it('no backend can connect: the client connection is closed with a log line; the service keeps serving', async () => {
    const d1 = await refusedPort();
    const d2 = await refusedPort();
    const logs: string[] = [];
    const r = await router({ scheduler: 'rr', retries: 5, backends: [`tcp://127.0.0.1:${d1}`, `tcp://127.0.0.1:${d2}`] }, {}, logs);
    const c = await raw(r.tcpPort(), { first: 'hello' });
    await c.closed;
    expect(c.text()).toBe('');
    expect(logs.some((l) => l.includes('no backend could take the connection'))).toBe(true);
    // tries are bounded: at most one attempt per backend (the failed ones are avoided)
    expect(logs.filter((l) => l.includes('tcp connect failed')).length).toBe(2);
  });
});

describe('half-close, counts, timeouts', () => {
  it('a client FIN reaches the backend while the answer keeps flowing; active → inactive → gone', async () => {
    let backendSide: Socket | undefined;
    const server = createServer({ allowHalfOpen: true }, (s) => {
      backendSide = s;
      s.on('data', (d: Buffer) => s.write(`got:${d.toString()}`));
      s.on('end', () => s.write('got-fin;'));
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    cleanup.push(() => new Promise<void>((res) => {
      backendSide?.destroy();
      server.close(() => res());
    }));
    const port = (server.address() as AddressInfo).port;
    const r = await router({ scheduler: 'wlc', backends: [`tcp://127.0.0.1:${port}`] });
    const b = r.router.pools.get('pg')!.backends[0]!;
    const c = await raw(r.tcpPort(), { first: 'q1' });
    await c.waitFor('got:q1');
    expect([b.active, b.inactive]).toEqual([1, 0]);
    c.socket.end();
    await c.waitFor('got-fin;');
    expect([b.active, b.inactive]).toEqual([0, 1]);
    backendSide!.end('late-answer');
    await c.waitFor('late-answer');
    await c.closed;
    await until(() => b.inactive === 0 && b.active === 0, 2000, 'counts back to 0');
    expect(r.router.pools.get('pg')!.inFlight).toBe(0);
  });

  it('the backend closing first is passed to the client too', async () => {
    const [a] = await backends('a');
    const r = await router({ scheduler: 'rr', backends: [a!.url] });
    const c = await raw(r.tcpPort(), { first: 'x' });
    await c.waitFor('a:x');
    for (const s of a!.sockets) s.end('server-done');
    await c.waitFor('server-done');
    // the client has not ended its side: a FIN it sees is the backend's, passed on
    await until(() => c.socket.readableEnded, 2000, "the backend's FIN at the client");
    expect(c.text()).toBe('a:xserver-done');
    c.socket.end();
    await c.closed;
  });

  it('idle connections are cut after idleTimeout', async () => {
    const [a] = await backends('a');
    const r = await router({ scheduler: 'rr', backends: [a!.url] }, { idleTimeout: 150 });
    const c = await raw(r.tcpPort(), { first: 'x' });
    await c.waitFor('a:x');
    const t0 = Date.now();
    await c.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    await until(() => a!.sockets.size === 0, 2000, 'backend side closed');
  });

  it('router close stops the tcp listener and ends live connections', async () => {
    const [a] = await backends('a');
    const r = await startRouter({ pools: { pg: { scheduler: 'rr', backends: [a!.url] } }, tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
    const port = r.tcpPort();
    const c = await raw(port, { first: 'x' });
    await c.waitFor('a:x');
    await r.router.close(200);
    await c.closed;
    await expect(raw(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('drain keeps live streams; disabling (or losing) a backend closes them (expire_nodest_conn)', async () => {
    const [a, b] = await backends('a', 'b');
    const logs: string[] = [];
    const r = await router({ scheduler: 'rr', backends: [a!.url, b!.url] }, {}, logs);
    const c = await raw(r.tcpPort(), { first: 'x' });
    await c.waitFor('a:x');
    const id = a!.url.slice(6);
    r.router.control.setState('pg', id, 'drain');
    c.socket.write('y');
    await c.waitFor('a:y');
    expect(await whoAnswers(r.tcpPort())).toBe('b'); // no new connections to the drained one
    r.router.control.setState('pg', id, 'disabled');
    await c.closed;
    expect(logs.some((l) => l.includes('closed the live connections of a backend that is gone'))).toBe(true);
    await until(() => r.router.pools.get('pg')!.get(id)!.active === 0, 2000, 'active back to 0');
  });

  it('a reload adds and removes tcp services', async () => {
    const [a] = await backends('a');
    const base = { admin: false, log: { level: 'silent' }, listen: { host: '127.0.0.1', port: 0 }, routes: [], pools: { pg: { scheduler: 'rr', backends: [a!.url] } } };
    const r = await startRouter({ pools: base.pools, tcp: [{ name: 'one', listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
    cleanup.push(r.close);
    const next = validate({ ...base, tcp: [{ name: 'two', listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
    r.router.apply(next.config!);
    await until(() => r.router.tcp.address('two') !== undefined, 2000, 'service two');
    expect(r.router.tcp.address('one')).toBeUndefined();
    expect(await whoAnswers(r.tcpPort('two'))).toBe('a');
  });
});
