// Upgrade requests (src/proxy/upgrade.ts): tunnelled only after a 101; any other answer is relayed
// and the connection stays HTTP; bodies refused; cookie, retry, access record and https like plain requests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CookieSigner } from '../../src/affinity/cookie.js';
import type { AccessRecord } from '../../src/proxy/exchange.js';
import { echoBackend, raw, refusedPort, sleep, startRouter, until, type Raw, type TestRouter } from '../helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A raw client connection to the router, collecting what it answers. */
async function client(port: number): Promise<Raw> {
  const c = await raw(port);
  cleanup.push(() => c.socket.destroy());
  return c;
}

const UPGRADE = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Forwarded-For: 6.6.6.6\r\n${extra}\r\n`;

interface UpConn { head: string; early: string; socket: Socket }

/** A raw backend: reads the request head, waits `delay` ms, answers `answer`; after a 101 echoes upper-cased. */
async function rawBackend(answer = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Up: yes\r\n\r\n', delay = 0) {
  const conns: UpConn[] = [];
  const server: Server = createServer((s) => {
    const c: UpConn = { head: '', early: '', socket: s };
    conns.push(c);
    let state: 'head' | 'wait' | 'tunnel' = 'head';
    let acc = '';
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      acc += d.toString('latin1');
      if (state === 'head') {
        const i = acc.indexOf('\r\n\r\n');
        if (i < 0) return;
        c.head = acc.slice(0, i + 4);
        acc = acc.slice(i + 4);
        state = 'wait';
        setTimeout(() => {
          c.early = acc;
          acc = '';
          state = 'tunnel';
          if (answer.startsWith('HTTP/1.1 101')) s.write(answer);
          else s.end(answer);
        }, delay);
      } else if (state === 'tunnel') {
        s.write(acc.toUpperCase());
        acc = '';
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  cleanup.push(() => new Promise<void>((r) => {
    for (const c of conns) c.socket.destroy();
    server.close(() => r());
  }));
  return { url: `http://127.0.0.1:${port}`, id: `127.0.0.1:${port}`, conns };
}

async function router(raw: Record<string, unknown>): Promise<TestRouter & { records: AccessRecord[] }> {
  const r = await startRouter(raw);
  cleanup.push(() => r.close());
  const records: AccessRecord[] = [];
  r.router.requestObservers.push((x) => records.push(x));
  return Object.assign(r, { records });
}

/** Split a response stream into [head, rest]. */
function heads(s: string): string[] {
  return s.split('\r\n\r\n');
}

describe('upgrade: tunnel only after 101', () => {
  it('a 200 answer is relayed; the next pipelined request on the connection is routed and gets our X-Forwarded-For', async () => {
    const pub = await echoBackend('public');
    const adm = await echoBackend('admin');
    cleanup.push(pub.close, adm.close);
    const r = await router({
      pools: { public: { scheduler: 'rr', backends: [pub.url] }, admin: { scheduler: 'rr', backends: [adm.url] } },
      routes: [{ match: { path: '/admin/**' }, pool: 'admin' }, { match: {}, pool: 'public' }],
    });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws') + 'GET /admin/x HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n');
    await Promise.race([c.closed, sleep(3000)]);
    const answers = c.text().split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[0]).toMatch(/x-backend: public/i);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/x-backend: admin/i);
    const second = JSON.parse(heads(answers[1]!)[1]!) as { url: string; headers: Record<string, string> };
    expect(second.url).toBe('/admin/x');
    expect(second.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(pub.seen).toHaveLength(1);
    expect(pub.seen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('a close-delimited 403 is re-framed (chunked), then the next request is served on the same connection', async () => {
    const be = await rawBackend('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nX-Why: no\r\n\r\nnope');
    const web = await echoBackend('web');
    cleanup.push(web.close);
    const r = await router({
      pools: { ws: { scheduler: 'rr', backends: [be.url] }, web: { scheduler: 'rr', backends: [web.url] } },
      routes: [{ match: { path: '/ws' }, pool: 'ws' }, { match: {}, pool: 'web' }],
    });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws'));
    await until(() => c.text().endsWith('0\r\n\r\n'), 3000, 'the relayed 403');
    expect(c.text()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(c.text()).toMatch(/x-why: no\r\n/i);
    expect(c.text()).toMatch(/transfer-encoding: chunked\r\n/i);
    expect(c.text()).toContain('\r\n\r\n4\r\nnope\r\n0\r\n\r\n');
    expect(c.text()).not.toMatch(/connection: close/i);
    c.socket.write('GET /page HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await Promise.race([c.closed, sleep(3000)]);
    expect(c.text()).toMatch(/0\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*x-backend: web/i);
    expect(be.conns).toHaveLength(1);
  });

  it('a 101 tunnels both ways; bytes the client sent early reach the backend only after its 101', async () => {
    const be = await rawBackend(undefined, 150);
    const r = await router({ pools: { ws: { scheduler: 'rr', backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws') + 'early;');
    await until(() => c.text().includes('EARLY;'), 3000, 'the early bytes echoed');
    expect(be.conns[0]!.early).toBe('');
    expect(be.conns[0]!.head).toMatch(/^GET \/ws HTTP\/1\.1\r\n/);
    expect(be.conns[0]!.head).toMatch(/\r\nx-forwarded-for: 127\.0\.0\.1\r\n/i);
    expect(be.conns[0]!.head).toMatch(/\r\nUpgrade: echo\r\n/);
    expect(c.text()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[^]*X-Up: yes\r\n[^]*\r\n\r\nEARLY;$/);
    c.socket.write('later');
    await until(() => c.text().endsWith('EARLY;LATER'), 3000, 'the later bytes echoed');
  });

  it('an upgrade request with a body (chunked or Content-Length) gets 400 and nothing reaches the backend', async () => {
    const be = await rawBackend();
    const r = await router({ pools: { ws: { scheduler: 'rr', backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    for (const extra of ['Transfer-Encoding: chunked\r\n', 'Content-Length: 5\r\n']) {
      const c = await client(r.port);
      c.socket.write(UPGRADE('/ws', extra) + (extra.startsWith('T') ? '5\r\nhello\r\n0\r\n\r\n' : 'hello'));
      await Promise.race([c.closed, sleep(3000)]);
      expect(c.text()).toMatch(/^HTTP\/1\.1 400 /);
    }
    await sleep(100);
    expect(be.conns).toHaveLength(0);
  });
  it('a body cut short by the backend closes the client connection; the router keeps serving', async () => {
    const be = await rawBackend('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    const r = await router({ pools: { ws: { scheduler: 'rr', backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws') + 'GET /next HTTP/1.1\r\nHost: t\r\n\r\n');
    await Promise.race([c.closed, sleep(3000)]);
    expect(c.socket.destroyed).toBe(true);
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*content-length: 10\r\n\r\nabc$/i);
    expect(be.conns).toHaveLength(1);
    await until(() => r.records.length === 1, 3000, 'the access record');
    expect(r.records[0]).toMatchObject({ path: '/ws', status: 200, pool: 'ws', backend: be.id });
    const d = await client(r.port);
    d.socket.write(UPGRADE('/ws'));
    await until(() => d.text().endsWith('abc'), 3000, 'a second answer');
  });

  it('a backend that does not answer within the pool timeout gets 504', async () => {
    const be = await rawBackend('HTTP/1.1 101 Switching Protocols\r\n\r\n', 60_000);
    const r = await router({ pools: { ws: { scheduler: 'rr', timeout: 300, backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    const c = await client(r.port);
    const t0 = Date.now();
    c.socket.write(UPGRADE('/ws'));
    await Promise.race([c.closed, sleep(3000)]);
    const took = Date.now() - t0;
    expect(c.text()).toMatch(/^HTTP\/1\.1 504 /);
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1500);
    expect(r.records[0]).toMatchObject({ status: 504, error: 'SY_ERR_UPSTREAM_TIMEOUT', attempts: 1 });
  });
});

describe('upgrade: what plain requests get', () => {
  it('cookie affinity: the 101 carries the pool cookie', async () => {
    const be = await rawBackend();
    const r = await router({ pools: { ws: { scheduler: 'rr', affinity: 'cookie', backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws'));
    await until(() => c.text().includes('\r\n\r\n'), 3000, 'the 101');
    expect(c.text()).toMatch(/^HTTP\/1\.1 101 /);
    expect(c.text()).toMatch(new RegExp(`\\r\\nset-cookie: ${CookieSigner.cookieName('ws')}=[^;\\r]+`, 'i'));
  });

  it('a refused backend is retried on another backend of the pool; one access record per upgrade', async () => {
    const be = await rawBackend();
    const dead = await refusedPort();
    const r = await router({ pools: { ws: { scheduler: 'rr', backends: [`http://127.0.0.1:${dead}`, be.url] } }, routes: [{ name: 'live', match: {}, pool: 'ws' }] });
    for (let i = 0; i < 2; i++) {
      const c = await client(r.port);
      c.socket.write(UPGRADE(`/ws${i}`));
      await until(() => c.text().includes('\r\n\r\n'), 3000, 'an answer');
      expect(c.text()).toMatch(/^HTTP\/1\.1 101 /);
      c.socket.destroy();
      await until(() => r.records.length === i + 1, 3000, 'the access record');
    }
    expect(be.conns).toHaveLength(2);
    // rr puts the refused backend first at least once: that upgrade took a second attempt
    expect(r.records.some((x) => x.attempts === 2)).toBe(true);
    expect(r.records.every((x) => x.attempts <= 2)).toBe(true);
    for (const [i, x] of r.records.entries()) {
      expect(x).toMatchObject({ method: 'GET', path: `/ws${i}`, status: 101, route: 'live', pool: 'ws', backend: be.id, clientIp: '127.0.0.1' });
      // as exchange.ts records it: the failed attempt's cause stays on a retried success
      expect(x.error).toBe(x.attempts === 2 ? 'SY_ERR_UPSTREAM_CONNECT' : undefined);
    }
  });

  it('a relayed non-101 answer is recorded with its status', async () => {
    const be = await rawBackend('HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\n\r\nno');
    const r = await router({ pools: { ws: { scheduler: 'rr', backends: [be.url] } }, routes: [{ match: {}, pool: 'ws' }] });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/ws'));
    await until(() => r.records.length === 1, 3000, 'the access record');
    expect(r.records[0]).toMatchObject({ path: '/ws', status: 426, pool: 'ws', backend: be.id, attempts: 1 });
    // the record is written when the relay ends; its last bytes may still be on their way
    await until(() => c.text().endsWith('no'), 3000, 'the relayed answer');
    expect(c.text()).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n[^]*content-length: 2\r\n\r\nno$/i);
  });

  it('an https: backend is dialled over TLS and its certificate verified against the pool CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-upgrade-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const upgrades: string[] = [];
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert });
    tls.on('upgrade', (req, sock: Socket) => {
      upgrades.push(req.url!);
      sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      sock.on('data', (d: Buffer) => sock.write(d.toString().toUpperCase()));
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => {
      tls.closeAllConnections();
      tls.close(() => r());
    }));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    // the self-signed certificate is its own CA; the untrusted pool has the system store
    const r = await router({
      pools: { trusted: { scheduler: 'rr', backends: [url], tls: { ca: join(dir, 'cert.pem') } }, untrusted: { scheduler: 'rr', backends: [url] } },
      routes: [{ match: { path: '/t' }, pool: 'trusted' }, { match: {}, pool: 'untrusted' }],
    });
    const c = await client(r.port);
    c.socket.write(UPGRADE('/t'));
    await until(() => c.text().includes('\r\n\r\n'), 3000, 'the 101');
    expect(c.text()).toMatch(/^HTTP\/1\.1 101 /);
    c.socket.write('over tls');
    await until(() => c.text().endsWith('OVER TLS'), 3000, 'the echo');
    const u = await client(r.port);
    u.socket.write(UPGRADE('/u'));
    await Promise.race([u.closed, sleep(3000)]);
    expect(u.text()).toMatch(/^HTTP\/1\.1 502 /);
    expect(upgrades).toEqual(['/t']);
  });
});
