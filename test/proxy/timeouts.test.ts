// Issue 11 items 5, 7 and 10: headersTimeout holds to within a second on every listener
// (PROXY-protocol ones included), and only acceptProxy peers may send a PROXY header.
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, raw, sleep, startRouter, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter | undefined;
let backend: TestServer | undefined;
afterEach(async () => {
  await router?.close();
  await backend?.close();
  router = backend = undefined;
});

const LIMIT = 2000;
const PROXY_V1 = 'PROXY TCP4 203.0.113.9 127.0.0.1 5000 80\r\n';

async function start(listen: Record<string, unknown> = {}) {
  backend = await echoBackend('b');
  router = await startRouter({
    listen: { host: '127.0.0.1', port: 0, limits: { headersTimeout: LIMIT }, ...listen },
    pools: { p: { scheduler: 'rr', backends: [backend.url] } },
    routes: [{ pool: 'p' }],
  });
  return router.port;
}

/** Send `text` one byte every `ms` until the socket closes; resolves with the close time. */
async function dribble(port: number, text: string, ms: number, first = ''): Promise<{ ms: number; got: string }> {
  const c = await raw(port, { first });
  let stop = false;
  void c.closed.then(() => (stop = true));
  void (async () => {
    for (const ch of text) {
      if (stop) return;
      c.socket.write(ch);
      await sleep(ms);
    }
  })();
  return { ms: await c.closed, got: c.text() };
}

const SLOW_HEAD = 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ' + 'x'.repeat(200);

describe('headersTimeout', () => {
  it('cuts a client sending one header byte at a time within a second of the limit, with 408', async () => {
    const port = await start();
    const r = await dribble(port, SLOW_HEAD, 100);
    expect(r.ms).toBeGreaterThanOrEqual(LIMIT - 50);
    expect(r.ms).toBeLessThan(LIMIT + 1000);
    expect(r.got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts a silent connection within a second of the limit', async () => {
    const port = await start();
    const c = await raw(port);
    const ms = await c.closed;
    expect(ms).toBeGreaterThanOrEqual(LIMIT - 50);
    expect(ms).toBeLessThan(LIMIT + 1000);
  });

  it('holds on an acceptProxy listener: a PROXY header then one header byte at a time', async () => {
    const port = await start({ acceptProxy: ['127.0.0.0/8'] });
    const r = await dribble(port, SLOW_HEAD, 100, PROXY_V1);
    expect(r.ms).toBeGreaterThanOrEqual(LIMIT - 50);
    expect(r.ms).toBeLessThan(LIMIT + 1000);
    expect(r.got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('counts a slow PROXY header against the same budget', async () => {
    const port = await start({ acceptProxy: true });
    // 44 bytes of PROXY header at one per 30 ms (1.3 s), then header bytes at one per 100 ms
    const r = await dribble(port, PROXY_V1 + SLOW_HEAD, 30);
    expect(r.ms).toBeLessThan(LIMIT + 1000);
  });

  it('still serves a prompt request on an acceptProxy listener, naming the client from the header', async () => {
    const port = await start({ acceptProxy: ['127.0.0.0/8'] });
    const c = await raw(port, { first: PROXY_V1 + 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n' });
    const text = await c.until((t) => t.includes('"name":"b"'));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('"x-forwarded-for":"203.0.113.9"');
    c.socket.destroy();
  });
});

describe('acceptProxy CIDRs', () => {
  it('closes a peer outside the list before reading anything, even with a valid header', async () => {
    const port = await start({ acceptProxy: ['10.0.0.0/8'] });
    const c = await raw(port, { first: PROXY_V1 + 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n' });
    const ms = await c.closed;
    expect(ms).toBeLessThan(500);
    expect(c.text()).toBe('');
    expect((backend as TestServer & { seen: unknown[] }).seen).toHaveLength(0);
  });

  it('cannot be used to forge a trusted X-Forwarded-For from outside the list', async () => {
    const port = await start({ acceptProxy: ['10.0.0.0/8'], trustProxy: ['203.0.113.0/24'] });
    const c = await raw(port, { first: 'PROXY TCP4 203.0.113.9 127.0.0.1 5000 80\r\nGET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n' });
    await c.closed;
    expect(c.text()).toBe('');
    expect((backend as TestServer & { seen: unknown[] }).seen).toHaveLength(0);
  });
});
