// Issue 11 items 6 and 8: Expect: 100-continue end to end; request bodies under bodyTimeout and
// maxBodySize; a wait for an upstream connection counts against the pool timeout; one client's
// uploads cannot take every upstream connection of a backend.
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, raw, recordingBackend, sleep, startRouter, type Raw, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter | undefined;
let backend: TestServer | undefined;
const clients: Raw[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await router?.close();
  await backend?.close();
  router = backend = undefined;
});

const route = (url: string, extra: Record<string, unknown> = {}, listen: Record<string, unknown> = {}) => ({
  listen: { host: '127.0.0.1', port: 0, ...listen },
  pools: { p: { scheduler: 'rr', backends: [url], ...extra } },
  routes: [{ pool: 'p' }],
});

describe('Expect: 100-continue', () => {
  it('answers 100 Continue, forwards the body and relays the 200 (never 502)', async () => {
    const b = await echoBackend('b');
    backend = b;
    router = await startRouter(route(b.url));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n' });
    clients.push(c);
    await c.until((t) => t.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    c.socket.write('hello');
    const text = await c.until((t) => t.includes('"name":"b"'));
    expect(text).toMatch(/HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(text).toContain('"body":"hello"');
    expect(text).not.toContain('"expect"');
  });
});

describe('limits.bodyTimeout', () => {
  it('answers 408 after the body has been silent for bodyTimeout and aborts the upstream request', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, {}, { limits: { bodyTimeout: 1000 } }));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc' });
    clients.push(c);
    const t0 = Date.now();
    const text = await c.until((t) => t.includes('408'), 4000);
    const ms = Date.now() - t0;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('x-switchyard-error: SY_ERR_BODY_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2000);
    await c.closed;
    await sleep(50);
    expect(b.fates).toEqual(['aborted']);
  });

  it('lets a slow body through while each gap stays under bodyTimeout', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, {}, { limits: { bodyTimeout: 1000 } }));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n' });
    clients.push(c);
    for (const ch of 'abcd') {
      await sleep(400);
      c.socket.write(ch);
    }
    const text = await c.until((t) => t.includes('got 4'), 3000);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('limits.maxBodySize', () => {
  it('answers 413 to a Content-Length over the limit before anything is forwarded', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, {}, { limits: { maxBodySize: 10 } }));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n' });
    clients.push(c);
    const text = await c.until((t) => t.includes('413'));
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    await c.closed;
    expect(b.fates).toEqual([]);
  });

  it('answers 413 to a chunked body that grows past the limit and aborts the upstream request', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, {}, { limits: { maxBodySize: 10 } }));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n' });
    clients.push(c);
    await sleep(100);
    c.socket.write('6\r\nghijkl\r\n');
    const text = await c.until((t) => t.includes('413'));
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    await c.closed;
    await sleep(50);
    expect(b.fates).toEqual(['aborted']);
  });

  it('forwards a body of exactly the limit', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, {}, { limits: { maxBodySize: 10 } }));
    const c = await raw(router.port, { first: 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n' });
    clients.push(c);
    expect(await c.until((t) => t.includes('got 10'))).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('upstream connections under slow uploads', () => {
  const upload = (port: number, from: string) => raw(port, { localAddress: from, first: 'POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nx' });

  it('one client holds at most half of a backend\'s connections with uploads (429 past it); another client is served at once', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, { timeout: 3000 }, { limits: { bodyTimeout: 20_000 } }));
    const half = router.router.upstreams.connections / 2;
    for (let i = 0; i < half + 10; i++) clients.push(await upload(router.port, '127.0.0.2'));
    await Promise.all(clients.slice(half).map((c) => c.until((t) => t.includes('429'))));
    for (const c of clients.slice(half)) expect(c.text()).toMatch(/^HTTP\/1\.1 429 [^]*retry-after: 1/i);
    const t0 = Date.now();
    const victim = await raw(router.port, { localAddress: '127.0.0.3', first: 'GET /v HTTP/1.1\r\nHost: a\r\n\r\n' });
    clients.push(victim);
    await victim.until((t) => t.includes('got 0'), 2000);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a request waiting for a free upstream connection gets 503 when the pool timeout runs out', async () => {
    const b = await recordingBackend();
    backend = b;
    router = await startRouter(route(b.url, { timeout: 2000 }, { limits: { bodyTimeout: 20_000 } }));
    const half = router.router.upstreams.connections / 2;
    for (const from of ['127.0.0.2', '127.0.0.4']) for (let i = 0; i < half; i++) clients.push(await upload(router.port, from));
    await sleep(300);
    const t0 = Date.now();
    const victim = await raw(router.port, { localAddress: '127.0.0.3', first: 'GET /v HTTP/1.1\r\nHost: a\r\n\r\n' });
    clients.push(victim);
    const text = await victim.until((t) => t.includes('\r\n\r\n'), 5000);
    const ms = Date.now() - t0;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text).toContain('SY_ERR_UPSTREAM_BUSY');
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(3000);
  });
});
