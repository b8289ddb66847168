import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket } from 'ws';
import { echoBackend, rawExchange, refusedPort, startRouter, startServer, type TestRouter, type TestServer } from '../helpers.js';

type Echo = { name: string; method: string; url: string; headers: Record<string, string>; body: string };

async function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const res = await fetch(url, { method, headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** GET with node:http, which (unlike fetch) lets the test set Host. */
function getRaw(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const rq = request(url, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    rq.on('error', reject);
    rq.end();
  });
}


describe('proxy data plane', () => {
  let a: Awaited<ReturnType<typeof echoBackend>>;
  let b: Awaited<ReturnType<typeof echoBackend>>;
  let hang: TestServer;
  let dead: number;
  let r: TestRouter;

  beforeAll(async () => {
    a = await echoBackend('a');
    b = await echoBackend('b');
    hang = await startServer(() => undefined); // never answers
    dead = await refusedPort();
    r = await startRouter({
      pools: {
        web: { scheduler: 'rr', backends: [a.url] },
        two: { scheduler: 'rr', backends: [`http://127.0.0.1:${dead}`, b.url] },
        down: { scheduler: 'rr', backends: [`http://127.0.0.1:${dead}`] },
        slow: { scheduler: 'rr', timeout: 300, backends: [hang.url] },
        drained: { scheduler: 'rr', backends: [{ url: a.url, weight: 0 }] },
      },
      routes: [
        { name: 'two', match: { path: '/two/**' }, pool: 'two' },
        { name: 'down', match: { path: '/down/**' }, pool: 'down' },
        { name: 'slow', match: { path: '/slow/**' }, pool: 'slow' },
        { name: 'drained', match: { path: '/drained/**' }, pool: 'drained' },
        { name: 'web', match: { path: ['/', '/web/**', '/img/**', '/cgi-bin/**'] }, pool: 'web' },
      ],
    });
  });
  afterAll(async () => {
    await r.close();
    await Promise.all([a.close(), b.close(), hang.close()]);
  });

  it('forwards the normalised path and query, method and body', async () => {
    const res = await get(`${r.url}/web/x/../y?q=%2e%2e`, { 'content-type': 'text/plain' }, 'POST', 'hello');
    const e = JSON.parse(res.text) as Echo;
    expect(res.status).toBe(200);
    expect(e).toMatchObject({ name: 'a', method: 'POST', url: '/web/y?q=%2e%2e', body: 'hello' });
  });

  it('removes hop-by-hop headers both ways', async () => {
    const seen = await new Promise<{ headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request(`${r.url}/web/hop`, {
        headers: { connection: 'keep-alive, x-private', 'x-private': 'secret', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-connection': 'keep-alive', 'x-kept': 'yes' },
      }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ headers: res.headers, text: t }));
      });
      req.on('error', reject);
      req.end();
    });
    const e = JSON.parse(seen.text) as Echo;
    expect(e.headers['x-kept']).toBe('yes');
    for (const h of ['x-private', 'keep-alive', 'te', 'proxy-connection', 'transfer-encoding', 'upgrade']) expect(e.headers[h]).toBeUndefined();
  });

  it('strips hop-by-hop headers from responses', async () => {
    const hop = await startServer((_req, res) => {
      res.writeHead(200, { connection: 'x-resp-private', 'x-resp-private': '1', 'keep-alive': 'timeout=1', 'x-resp-kept': '1', 'content-length': 2 });
      res.end('ok');
    });
    const r2 = await startRouter({ pools: { p: { scheduler: 'rr', backends: [hop.url] } }, routes: [{ pool: 'p' }] });
    try {
      const res = await get(`${r2.url}/`);
      expect(res.text).toBe('ok');
      expect(res.headers.get('x-resp-kept')).toBe('1');
      expect(res.headers.get('x-resp-private')).toBeNull();
    } finally {
      await r2.close();
      await hop.close();
    }
  });

  it('replaces spoofed X-Forwarded-* and Forwarded by its own', async () => {
    const e = JSON.parse(await getRaw(`${r.url}/web/xff`, { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-forwarded-proto': 'https', host: 'shop.test' })) as Echo;
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(e.headers['x-forwarded-proto']).toBe('http');
    expect(e.headers['x-forwarded-host']).toBe('shop.test');
    expect(e.headers.forwarded).toBeUndefined();
    expect(e.headers.host).toBe('shop.test');
  });

  it('appends to X-Forwarded-For from a trusted peer', async () => {
    const r2 = await startRouter({ listen: { host: '127.0.0.1', port: 0, trustProxy: ['127.0.0.0/8'] }, pools: { p: { scheduler: 'rr', backends: [a.url] } }, routes: [{ pool: 'p' }] });
    try {
      const e = JSON.parse((await get(`${r2.url}/t`, { 'x-forwarded-for': '203.0.113.9' })).text) as Echo;
      expect(e.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    } finally {
      await r2.close();
    }
  });

  it('404 with a body that says so when no route matches', async () => {
    const res = await get(`${r.url}/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/no route matches/);
  });

  it('400 on a bad encoding and on an encoded-slash traversal, never forwarded', async () => {
    const before = a.seen.length;
    for (const p of ['/img/..%2fcgi-bin/x', '/web/%zz', '/img/%2e%2e%2fcgi-bin/x']) {
      const res = await rawExchange(r.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(a.seen.length).toBe(before);
  });

  it('retries an idempotent request on another backend when one refuses', async () => {
    const before = b.seen.length;
    const res = await get(`${r.url}/two/x`);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Echo).name).toBe('b');
    expect(b.seen.length).toBe(before + 1);
  });

  it('502 when the only backend refuses; a POST with a body is not retried', async () => {
    const res = await get(`${r.url}/down/x`);
    expect(res.status).toBe(502);
    expect(res.text).toMatch(/backend refused/);
    // POST with body to the pool whose first pick refuses: rr alternates; send two to hit the dead one
    const statuses = [(await get(`${r.url}/two/p`, {}, 'POST', 'data')).status, (await get(`${r.url}/two/p`, {}, 'POST', 'data')).status];
    expect(statuses.sort()).toEqual([200, 502]);
  });

  it('504 when the backend does not answer in time', async () => {
    const t0 = Date.now();
    const res = await get(`${r.url}/slow/x`);
    expect(res.status).toBe(504);
    expect(res.text).toMatch(/did not answer in time/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('503 with Retry-After when no backend is usable', async () => {
    const res = await get(`${r.url}/drained/x`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.text).toMatch(/no backend available/);
  });

  it('rejects request-smuggling shapes with 400 and forwards nothing', async () => {
    const before = a.seen.length;
    const shapes = [
      'POST /web/s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd',
      'GET /web/s HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd',
      'POST /web/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
      'GET /web/s HTTP/1.1\r\nHost: x\r\n\nX: y\r\n\r\n',
    ];
    for (const s of shapes) {
      const res = await rawExchange(r.port, s);
      expect(res, JSON.stringify(s)).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(a.seen.length).toBe(before);
  });

  it('431 when the request headers are too large', async () => {
    const res = await rawExchange(r.port, `GET /web/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431/);
  });

  it('tunnels WebSocket upgrades', async () => {
    const wsServer = await startServer(() => undefined);
    const wss = new WebSocketServer({ server: wsServer.server });
    wss.on('connection', (sock, req) => {
      sock.on('message', (m) => sock.send(`echo ${m.toString()} via ${req.headers['x-forwarded-for']}`));
    });
    const r2 = await startRouter({ pools: { ws: { scheduler: 'rr', backends: [wsServer.url] } }, routes: [{ match: { path: '/ws' }, pool: 'ws' }] });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const c = new WebSocket(`ws://127.0.0.1:${r2.port}/ws`);
        c.on('open', () => c.send('hi'));
        c.on('message', (m) => {
          resolve(m.toString());
          c.close();
        });
        c.on('error', reject);
      });
      expect(reply).toBe('echo hi via 127.0.0.1');
    } finally {
      wss.close();
      await r2.close();
      await wsServer.close();
    }
  });
});
