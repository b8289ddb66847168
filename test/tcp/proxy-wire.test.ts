// PROXY protocol on real sockets: the exact bytes backends receive (sendProxy on TCP and HTTP
// pools), headers parsed on listeners (acceptProxy on HTTP and TCP), split reads, and malformed
// headers closing the connection with a log line while the router keeps serving.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, raw, sleep, startRouter, tcpEchoBackend, until, type TcpEchoBackend, type TestRouter } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SIG = '0d0a0d0a000d0a515549540a';
const hex16 = (n: number) => n.toString(16).padStart(4, '0');

/** v2 TCP4 bytes for 127.0.0.1 → 127.0.0.1, written out by hand. */
function v2Loopback(sport: number, dport: number): string {
  return SIG + '21' + '11' + '000c' + '7f000001' + '7f000001' + hex16(sport) + hex16(dport);
}

async function start(config: Record<string, unknown>, logs?: string[]): Promise<TestRouter> {
  const r = await startRouter(config, { logs });
  cleanup.push(r.close);
  return r;
}

async function tcpEcho(name: string): Promise<TcpEchoBackend> {
  const b = await tcpEchoBackend(name);
  cleanup.push(b.close);
  return b;
}

/** A raw HTTP/1.1 backend that records every connection's bytes and answers each request "ok". */
async function rawHttpBackend(): Promise<{ url: string; conns: { bytes: string; socket: Socket; closed: boolean }[] }> {
  const conns: { bytes: string; socket: Socket; closed: boolean }[] = [];
  const server = createServer((s) => {
    const c = { bytes: '', socket: s, closed: false };
    conns.push(c);
    let pending = '';
    s.on('error', () => undefined);
    s.on('close', () => (c.closed = true));
    let headerSkipped = false;
    s.on('data', (d: Buffer) => {
      c.bytes += d.toString('latin1');
      pending += d.toString('latin1');
      if (!headerSkipped) {
        // skip a leading PROXY header (v1 line, or v2: 16 bytes + length) before reading requests
        const sig = Buffer.from(SIG, 'hex').toString('latin1');
        if (pending.startsWith(sig)) {
          if (pending.length < 16) return;
          const len = Buffer.from(pending.slice(14, 16), 'latin1').readUInt16BE(0);
          if (pending.length < 16 + len) return;
          pending = pending.slice(16 + len);
        } else if (pending.startsWith('PROXY ')) {
          const e = pending.indexOf('\r\n');
          if (e === -1) return;
          pending = pending.slice(e + 2);
        }
        headerSkipped = true;
      }
      let i;
      while ((i = pending.indexOf('\r\n\r\n')) !== -1) {
        pending = pending.slice(i + 4);
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => {
    for (const c of conns) c.socket.destroy();
    server.close(() => r());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, conns };
}

const GET = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: t\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

describe('sendProxy: bytes on the backend side', () => {
  it('TCP pool, v1: the text line, then the client bytes', async () => {
    const a = await tcpEcho('a');
    const r = await start({ pools: { pg: { scheduler: 'rr', sendProxy: 'v1', backends: [a.url] } }, tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
    const c = await raw(r.tcpPort(), { first: 'hello' });
    await c.waitFor('a:');
    await until(() => !!a.received[0]?.toString('latin1').endsWith('hello'));
    expect(a.received[0]!.toString('latin1')).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${c.socket.localPort} ${r.tcpPort()}\r\nhello`);
    c.socket.destroy();
  });

  it('TCP pool, v2: the binary header, then the client bytes', async () => {
    const a = await tcpEcho('a');
    const r = await start({ pools: { pg: { scheduler: 'rr', sendProxy: 'v2', backends: [a.url] } }, tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }] });
    const c = await raw(r.tcpPort(), { first: 'hello' });
    await until(() => !!a.received[0]?.toString('latin1').endsWith('hello'));
    expect(a.received[0]!.toString('hex')).toBe(v2Loopback(c.socket.localPort!, r.tcpPort()) + Buffer.from('hello').toString('hex'));
    c.socket.destroy();
  });

  for (const version of ['v1', 'v2'] as const) {
    it(`HTTP pool, ${version}: one header per upstream connection, connections private to one client connection`, async () => {
      const be = await rawHttpBackend();
      const r = await start({ pools: { web: { scheduler: 'rr', sendProxy: version, backends: [be.url] } }, routes: [{ match: {}, pool: 'web' }] });
      const c1 = await raw(r.port, { first: GET('/one') });
      await c1.waitFor('ok');
      c1.socket.write(GET('/two'));
      await until(() => (c1.text().match(/200 OK/g) ?? []).length === 2, 3000, 'two answers');
      const c2 = await raw(r.port, { first: GET('/three') });
      await c2.waitFor('ok');
      expect(be.conns).toHaveLength(2);
      const [u1, u2] = be.conns as [typeof be.conns[0], typeof be.conns[0]];
      const header = (sport: number) => version === 'v1'
        ? `PROXY TCP4 127.0.0.1 127.0.0.1 ${sport} ${r.port}\r\n`
        : Buffer.from(v2Loopback(sport, r.port), 'hex').toString('latin1');
      expect(u1.bytes.startsWith(header(c1.socket.localPort!) + 'GET /one HTTP/1.1\r\n')).toBe(true);
      expect(u1.bytes.split(version === 'v1' ? 'PROXY ' : Buffer.from(SIG, 'hex').toString('latin1')).length - 1).toBe(1);
      expect(u1.bytes).toContain('GET /two HTTP/1.1');
      expect(u2.bytes.startsWith(header(c2.socket.localPort!) + 'GET /three HTTP/1.1\r\n')).toBe(true);
      // the client leaves: its private upstream connection goes too
      c1.socket.destroy();
      await until(() => u1.closed, 3000, 'upstream of client 1 closed');
      expect(u2.closed).toBe(false);
      expect(r.router.proxied.size).toBe(1);
      c2.socket.destroy();
    });
  }
});

describe('sendProxy: upgrades and health checks', () => {
  it('a WebSocket/Upgrade tunnel starts with the PROXY header too', async () => {
    const be = await rawHttpBackend();
    const r = await start({ pools: { web: { scheduler: 'rr', sendProxy: 'v1', backends: [be.url] } }, routes: [{ match: {}, pool: 'web' }] });
    const c = await raw(r.port, { first: 'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n' });
    await until(() => be.conns.length === 1 && be.conns[0]!.bytes.includes('\r\n\r\n'), 3000, 'upgrade forwarded');
    expect(be.conns[0]!.bytes.startsWith(`PROXY TCP4 127.0.0.1 127.0.0.1 ${c.socket.localPort} ${r.port}\r\nGET /ws HTTP/1.1\r\n`)).toBe(true);
    c.socket.destroy();
  });

  it('active HTTP checks of a sendProxy pool send a LOCAL header first (like check-send-proxy)', async () => {
    const be = await rawHttpBackend();
    const r = await start({ pools: { web: { scheduler: 'rr', sendProxy: 'v2', health: { path: '/healthz', interval: 100, timeout: 1000, rise: 1, fall: 1 }, backends: [be.url] } }, routes: [{ match: {}, pool: 'web' }] });
    await until(() => be.conns.some((x) => x.bytes.includes('/healthz')), 5000, 'a health check');
    const check = be.conns.find((x) => x.bytes.includes('/healthz'))!;
    expect(Buffer.from(check.bytes, 'latin1').subarray(0, 16).toString('hex')).toBe(SIG + '20' + '00' + '0000');
    expect(check.bytes.slice(16).startsWith('GET /healthz HTTP/1.1\r\n')).toBe(true);
    expect(r.router.pools.get('web')!.backends[0]!.state).toBe('active');
  });
});

describe('acceptProxy on the HTTP listener', () => {
  async function httpRouter(logs?: string[], limits?: Record<string, number>) {
    const be = await echoBackend('web');
    cleanup.push(be.close);
    return start({ listen: { host: '127.0.0.1', port: 0, acceptProxy: true, ...(limits ? { limits } : {}) }, pools: { web: { scheduler: 'rr', backends: [be.url] } }, routes: [{ match: {}, pool: 'web' }] }, logs);
  }
  const body = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { url: string; headers: Record<string, string> };

  it('v1: the client address comes from the header (X-Forwarded-For), the request after it is served', async () => {
    const r = await httpRouter();
    const c = await raw(r.port, { first: 'PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n' + GET('/v1', true) });
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1.1 200/);
    expect(body(c.text())).toMatchObject({ url: '/v1', headers: { 'x-forwarded-for': '203.0.113.7' } });
  });

  it('v2 (TCP6), written one byte at a time: parsed across split reads', async () => {
    const r = await httpRouter();
    const hdr = Buffer.from(SIG + '21' + '21' + '0024' + '20010db8000000000000000000000007' + '20010db8000000000000000000000001' + hex16(40000) + hex16(443), 'hex');
    const c = await raw(r.port);
    c.socket.setNoDelay(true);
    for (const byte of hdr) {
      c.socket.write(Buffer.from([byte]));
      await sleep(2);
    }
    c.socket.write(GET('/v2', true));
    await c.closed;
    expect(body(c.text())).toMatchObject({ url: '/v2', headers: { 'x-forwarded-for': '2001:db8::7' } });
  });

  it('v2 LOCAL: the socket address is used; keep-alive requests after the header all served', async () => {
    const r = await httpRouter();
    const local = Buffer.from(SIG + '20' + '00' + '0000', 'hex');
    const c = await raw(r.port, { first: Buffer.concat([local, Buffer.from(GET('/a') + GET('/b', true))]) });
    await c.closed;
    expect((c.text().match(/HTTP\/1.1 200/g) ?? []).length).toBe(2);
    expect(c.text()).toContain('"x-forwarded-for":"127.0.0.1"');
  });

  it('malformed or missing headers close the connection with a log line; the router keeps serving', async () => {
    const logs: string[] = [];
    const r = await httpRouter(logs, { headersTimeout: 300 });
    for (const bad of [GET('/no-header'), 'PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n' + GET('/x'), 'PROXY ' + 'A'.repeat(200), Buffer.from(SIG + '31' + '11' + '000c', 'hex')]) {
      const c = await raw(r.port, { first: bad });
      await c.closed;
      expect(c.text()).toBe('');
    }
    // a client that never finishes its header is cut off after headersTimeout
    const slow = await raw(r.port, { first: 'PROXY TCP4 ' });
    await slow.closed;
    expect(logs.filter((l) => l.includes('PROXY protocol: malformed or missing header')).length).toBe(5);
    expect(logs.some((l) => l.includes('bad source port'))).toBe(true);
    expect(logs.some((l) => l.includes('within 300 ms'))).toBe(true);
    const ok = await raw(r.port, { first: 'PROXY TCP4 198.51.100.9 192.0.2.1 1234 80\r\n' + GET('/after', true) });
    await ok.closed;
    expect(body(ok.text())).toMatchObject({ url: '/after', headers: { 'x-forwarded-for': '198.51.100.9' } });
  });

  it('acceptProxy + sendProxy: the original client is passed on to the backend', async () => {
    const be = await rawHttpBackend();
    const r = await start({ listen: { host: '127.0.0.1', port: 0, acceptProxy: true }, pools: { web: { scheduler: 'rr', sendProxy: 'v1', backends: [be.url] } }, routes: [{ match: {}, pool: 'web' }] });
    const c = await raw(r.port, { first: 'PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n' + GET('/chain') });
    await c.waitFor('ok');
    expect(be.conns[0]!.bytes.startsWith('PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\nGET /chain HTTP/1.1\r\n')).toBe(true);
    c.socket.destroy();
  });
});

describe('acceptProxy on a TCP service', () => {
  async function tcpRouter(pool: Record<string, unknown>, logs?: string[]) {
    const a = await tcpEcho('a');
    const r = await start({ pools: { pg: { scheduler: 'rr', ...pool, backends: [a.url] } }, tcp: [{ listen: { host: '127.0.0.1', port: 0, acceptProxy: true, limits: { headersTimeout: 300 } }, pool: 'pg' }] }, logs);
    return { a, r };
  }

  it('the header is consumed, the bytes after it (same packet) reach the backend, sendProxy forwards the real client', async () => {
    const { a, r } = await tcpRouter({ sendProxy: 'v1', affinity: 'client' });
    const c = await raw(r.tcpPort(), { first: 'PROXY TCP4 203.0.113.7 192.0.2.1 40000 5433\r\nhello' });
    await c.waitFor('a:');
    await until(() => !!a.received[0]?.toString().endsWith('hello'));
    expect(a.received[0]!.toString()).toBe('PROXY TCP4 203.0.113.7 192.0.2.1 40000 5433\r\nhello');
    // affinity uses the address from the header
    const tpl = r.router.affinity.list({ pool: 'pg' }).filter((e) => e.kind === 'client');
    expect(tpl.map((e) => e.client.split('/')[0])).toEqual(['203.0.113.7']);
    c.socket.destroy();
  });

  it('v2 split over several writes, then data', async () => {
    const { a, r } = await tcpRouter({});
    const hdr = Buffer.from(v2Loopback(1111, 2222), 'hex');
    const c = await raw(r.tcpPort());
    c.socket.setNoDelay(true);
    c.socket.write(hdr.subarray(0, 5));
    await sleep(20);
    c.socket.write(hdr.subarray(5, 15));
    await sleep(20);
    c.socket.write(Buffer.concat([hdr.subarray(15), Buffer.from('data')]));
    await c.waitFor('a:data');
    expect(a.received[0]!.toString()).toBe('data');
    c.socket.destroy();
  });

  it('malformed headers close the connection with a log line; the service keeps serving', async () => {
    const logs: string[] = [];
    const { a, r } = await tcpRouter({}, logs);
    for (const bad of ['hello', 'PROXY TCP4 1.2.3.4\r\n', Buffer.from(SIG + '21' + '11' + 'ffff', 'hex')]) {
      const c = await raw(r.tcpPort(), { first: bad });
      await c.closed;
      expect(c.text()).toBe('');
    }
    expect(a.received).toHaveLength(0);
    expect(logs.filter((l) => l.includes('PROXY protocol: malformed or missing header')).length).toBe(3);
    const ok = await raw(r.tcpPort(), { first: 'PROXY UNKNOWN\r\nfine' });
    await ok.waitFor('a:fine');
    ok.socket.destroy();
  });
});
