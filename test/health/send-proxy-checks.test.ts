// Active checks of `sendProxy` pools start with a PROXY header, as HAProxy's check-send-proxy does
// (src/health/probe.ts): LOCAL (v2) or `PROXY UNKNOWN` (v1) in clear, then the check's request,
// after a TLS handshake for https: backends; a tcp check sends the header and closes. The backends
// here close any connection that does not start with a PROXY header.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { readProxyHeader } from '../../src/proxy-protocol/accept.js';
import type { ProxyHeader } from '../../src/proxy-protocol/parse.js';
import { httpsBackend, makeCerts, nextEvent, sleep, startRouter, type TestCerts } from '../helpers.js';

let certs: TestCerts;
/** Servers and routers of one test, closed after it, newest first. */
const open: (() => Promise<void>)[] = [];
beforeAll(() => void (certs = makeCerts()));
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});
afterAll(() => certs.remove());

interface Front {
  port: number;
  /** Headers read, in order. */
  headers: ProxyHeader[];
  /** Connections closed for not starting with a PROXY header. */
  refused: number;
}

/** A PROXY-protocol front: read the header, then hand the socket to `inner` (or keep it, for tcp). */
async function proxyFront(inner: HttpServer | undefined): Promise<Front> {
  const f: Front = { port: 0, headers: [], refused: 0 };
  const server: Server = createNetServer({ pauseOnConnect: true }, (s) => {
    readProxyHeader(s, { timeout: 1000 }).then((h) => {
      f.headers.push(h);
      if (inner === undefined) return void s.destroy();
      inner.emit('connection', s);
      s.resume();
    }, () => {
      f.refused++;
      s.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  f.port = (server.address() as AddressInfo).port;
  open.push(() => new Promise<void>((r) => server.close(() => r())));
  return f;
}

const HEALTH = { path: '/hc', interval: 100, timeout: 300, rise: 1, fall: 1, initial: 'down' };
const config = (pool: object) => ({
  listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, pools: { p: { scheduler: 'rr', ...pool } }, routes: [{ pool: 'p' }],
});

describe('health checks of sendProxy pools', () => {
  it('http: the check needs the header; a reload that adds sendProxy restarts the checks and the backend comes up', async () => {
    const paths: string[] = [];
    const http = createHttpServer((req, res) => {
      paths.push(req.url!);
      res.end('ok');
    });
    const front = await proxyFront(http);
    const url = `http://127.0.0.1:${front.port}`;
    const r = await startRouter(config({ backends: [url], health: HEALTH }));
    open.push(r.close);
    // without the header every check is closed by the backend: it stays down
    await sleep(HEALTH.interval * 4);
    expect(front.refused).toBeGreaterThanOrEqual(2);
    expect(r.router.health.status('p', `127.0.0.1:${front.port}`)).toMatchObject({ healthy: false });
    r.router.apply(validate(config({ backends: [url], health: HEALTH, sendProxy: 'v2' })).config!);
    const up = await nextEvent(r.router.events, 'backend.state', (e) => e.to === 'active', 3000);
    expect(up.reason).toBe('active check passed 1 time in a row (HTTP 200)');
    expect(front.headers[0]).toMatchObject({ version: 2, command: 'LOCAL' });
    expect(paths[0]).toBe('/hc');
  });

  it('https: the header goes first in clear, then TLS verified with the pool CA', async () => {
    const tls = await httpsBackend(certs.signed, 'tls');
    open.push(tls.close);
    const front = await proxyFront(tls.server);
    const r = await startRouter(config({ backends: [`https://127.0.0.1:${front.port}`], sendProxy: 'v1', tls: { ca: certs.caFile }, health: HEALTH }));
    open.push(r.close);
    const up = await nextEvent(r.router.events, 'backend.state', (e) => e.to === 'active', 3000);
    expect(up.reason).toBe('active check passed 1 time in a row (HTTP 200)');
    expect(front.refused).toBe(0);
    expect(front.headers[0]).toMatchObject({ version: 1, family: 'UNKNOWN' });
    expect(tls.seen[0]).toMatchObject({ path: '/hc' });
  });

  it('tcp checks send the header too (then close)', async () => {
    const front = await proxyFront(undefined);
    const r = await startRouter(config({ backends: [`http://127.0.0.1:${front.port}`], sendProxy: 'v2', health: { ...HEALTH, type: 'tcp' } }));
    open.push(r.close);
    await nextEvent(r.router.events, 'backend.state', (e) => e.to === 'active', 3000);
    await sleep(HEALTH.interval * 3);
    expect(front.refused).toBe(0);
    expect(front.headers.length).toBeGreaterThanOrEqual(2);
    expect(front.headers.every((h) => h.command === 'LOCAL')).toBe(true);
  });
});
