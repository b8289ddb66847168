// HTTP/2 downstream (docs/routing.md, "HTTP/2"): over TLS ALPN offers h2 beside http/1.1; each
// stream takes the HTTP/1.1 pipeline (routes by path, MIME and header, schedulers, access records)
// and reaches an HTTP/1.1 backend with Host from :authority; a cleartext `http2: true` listener
// takes h2c with prior knowledge; connection-specific fields reset the stream.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { constants, type ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/proxy/records.js';
import { echoBackend, startRouter, startServer, until, type TestRouter, type TestServer } from '../helpers.js';
import { frames, h2req, h2session, rawHeadersFrame, type Frame } from './h2-client.js';
import { makePki, type Leaf, type Pki } from './pki.js';
import { httpsGet } from './tls-client.js';

type Echo = TestServer & { seen: import('node:http').IncomingMessage[] };
let pki: Pki;
let leaf: Leaf;
let api: Echo, img: Echo, beta: Echo, web: Echo, rr1: Echo, rr2: Echo;
let tr: TestRouter;
let clear: TestRouter;
const records: AccessRecord[] = [];

beforeAll(async () => {
  pki = makePki();
  leaf = pki.leaf('a', ['a.test']);
  [api, img, beta, web, rr1, rr2] = await Promise.all(['api', 'img', 'beta', 'web', 'rr1', 'rr2'].map((n) => echoBackend(n)));
  const pools = {
    api: { backends: [api.url] }, img: { backends: [img.url] }, beta: { backends: [beta.url] }, web: { backends: [web.url] },
    rr: { backends: [rr1.url, rr2.url], scheduler: 'rr' },
  };
  const routes = [
    { name: 'rr', match: { path: '/rr/**' }, pool: 'rr' },
    { name: 'api', match: { path: '/api/**' }, pool: 'api' },
    { name: 'img', match: { mime: 'image/*' }, pool: 'img' },
    { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'beta' },
    { name: 'web', pool: 'web' },
  ];
  tr = await startRouter({ listen: { host: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key } }, pools, routes });
  tr.router.requestObservers.push((r) => records.push(r));
  clear = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true }, pools, routes });
});

afterAll(async () => {
  await tr?.close();
  await clear?.close();
  await Promise.all([api, img, beta, web, rr1, rr2].map((b) => b?.close()));
  pki?.remove();
});

const json = (body: string) => JSON.parse(body) as { name: string; url: string; method: string; headers: Record<string, string>; rawHeaders: string[]; body: string };

describe('ALPN', () => {
  it('offers h2 first and http/1.1 beside it', async () => {
    const proto = (alpn: string[]) => new Promise<string | false | null>((done, fail) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tr.port, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: alpn }, () => {
        done(s.alpnProtocol);
        s.end();
      });
      s.once('error', fail);
    });
    expect(await proto(['h2', 'http/1.1'])).toBe('h2');
    expect(await proto(['http/1.1'])).toBe('http/1.1');
  });

  it('http2: false offers http/1.1 only', async () => {
    const off = await startRouter({ listen: { host: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key }, http2: false }, pools: { web: { backends: [web.url] } }, routes: [{ pool: 'web' }] });
    try {
      const alpn = await new Promise<string | false | null>((done, fail) => {
        const s = tlsConnect({ host: '127.0.0.1', port: off.port, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
          done(s.alpnProtocol);
          s.end();
        });
        s.once('error', fail);
      });
      expect(alpn).toBe('http/1.1');
    } finally {
      await off.close();
    }
  });

  it('an HTTP/1.1 client on the TLS listener is served as before', async () => {
    const r = await httpsGet(tr.port, '/api/x', pki.ca, 'a.test');
    expect(r.status).toBe(200);
    expect(json(r.body)).toMatchObject({ name: 'api', url: '/api/x' });
  });
});

describe('routing over HTTP/2', () => {
  let s: ClientHttp2Session;
  beforeAll(async () => {
    s = await h2session(tr.port, pki.ca);
  });
  afterAll(() => s?.close());

  it('by path, MIME and header, like HTTP/1.1; the backend gets HTTP/1.1 with Host from :authority', async () => {
    const a = await h2req(s, { ':path': '/api/items?q=1', ':authority': 'a.test', 'x-extra': 'v' });
    expect(a.status).toBe(200);
    const seen = json(a.body);
    expect(seen).toMatchObject({ name: 'api', url: '/api/items?q=1', method: 'GET' });
    expect(seen.headers.host).toBe('a.test');
    expect(seen.headers['x-extra']).toBe('v');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    // no pseudo-header reaches the backend
    expect(seen.rawHeaders.filter((_, i) => i % 2 === 0).some((n) => n.startsWith(':'))).toBe(false);
    expect(api.seen.at(-1)!.httpVersion).toBe('1.1');
    expect(json((await h2req(s, { ':path': '/pics/cat.png', ':authority': 'a.test' })).body).name).toBe('img');
    expect(json((await h2req(s, { ':path': '/page', ':authority': 'a.test', 'x-beta': '1' })).body).name).toBe('beta');
    expect(json((await h2req(s, { ':path': '/page', ':authority': 'a.test' })).body).name).toBe('web');
  });

  it('more than maxHeaderCount fields get 431, as on HTTP/1.1; never forwarded', async () => {
    const before = web.seen.length;
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, 'v']));
    const r = await h2req(s, { ':path': '/many', ':authority': 'a.test', ...many });
    expect(r.status).toBe(431);
    expect(r.headers['x-switchyard-error']).toBe('SY_ERR_TOO_MANY_HEADERS');
    expect(web.seen.length).toBe(before);
  });

  it('a header list over maxHeaderSize is refused before it is a request', async () => {
    const before = web.seen.length;
    const big = await h2req(s, { ':path': '/big', ':authority': 'a.test', 'x-big': 'b'.repeat(20_000) }).then((r) => r.status, (e: Error) => e.message);
    // node:http2 answers 431 itself (SETTINGS_MAX_HEADER_LIST_SIZE) or resets the stream
    // (ENHANCE_YOUR_CALM), depending on where the list is cut; never forwarded either way
    expect(String(big)).toMatch(/^431$|^stream reset 11$|NGHTTP2_ENHANCE_YOUR_CALM/);
    expect(web.seen.length).toBe(before);
    // the connection still serves
    expect((await h2req(s, { ':path': '/after-big', ':authority': 'a.test' })).status).toBe(200);
  });

  it('split cookie fields reach the backend as one Cookie', async () => {
    const seen = json((await h2req(s, { ':path': '/c', ':authority': 'a.test', cookie: ['a=1', 'b=2'] })).body);
    expect(seen.headers.cookie).toBe('a=1; b=2');
  });

  it('a request body is forwarded without Content-Length', async () => {
    const seen = json((await h2req(s, { ':path': '/api/up', ':authority': 'a.test', ':method': 'POST' }, 'hello body')).body);
    expect(seen).toMatchObject({ method: 'POST', body: 'hello body' });
  });

  it('access records carry the request like HTTP/1.1', async () => {
    records.length = 0;
    await h2req(s, { ':path': '/api/logged', ':authority': 'a.test' });
    await until(() => records.length === 1, 2000, 'the access record');
    expect(records[0]).toMatchObject({ method: 'GET', path: '/api/logged', status: 200, route: 'api', pool: 'api', clientIp: '127.0.0.1', attempts: 1 });
    expect(records[0]!.backend).toBeDefined();
  });

  it('100 concurrent streams on one connection are spread by the pool scheduler (rr: 50/50)', async () => {
    const before = [rr1.seen.length, rr2.seen.length];
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => h2req(s, { ':path': `/rr/${i}`, ':authority': 'a.test' })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    const n1 = rr1.seen.length - before[0]!;
    const n2 = rr2.seen.length - before[1]!;
    expect(n1 + n2).toBe(100);
    expect(Math.abs(n1 - n2)).toBeLessThanOrEqual(2);
  });

});

describe('h2c with prior knowledge on a cleartext listener (http2: true)', () => {
  it('serves HTTP/2 streams', async () => {
    const s = await h2session(clear.port);
    try {
      const r = await h2req(s, { ':path': '/api/clear', ':authority': 'b.test' });
      expect(r.status).toBe(200);
      expect(json(r.body)).toMatchObject({ name: 'api', url: '/api/clear' });
      expect(json(r.body).headers['x-forwarded-proto']).toBe('http');
    } finally {
      s.close();
    }
  });

  it('still serves HTTP/1.1 on the same port', async () => {
    const r = await fetch(`${clear.url}/api/h1`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { name: string }).name).toBe('api');
  });
});

/** Send raw frames (prior knowledge, cleartext) and collect what comes back for a while. */
function rawH2(port: number, bytes: Buffer): Promise<Frame[]> {
  return new Promise((done) => {
    const got: Buffer[] = [];
    const c = netConnect(port, '127.0.0.1', () => c.write(bytes));
    c.on('data', (d: Buffer) => got.push(d));
    c.on('error', () => undefined);
    const end = () => done(frames(Buffer.concat(got)));
    c.on('close', end);
    setTimeout(() => c.destroy(), 500);
  });
}

describe('connection-specific header fields', () => {
  const base: [string, string][] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/api/bad'], [':authority', 'b.test']];
  for (const field of [['connection', 'keep-alive'], ['transfer-encoding', 'chunked'], ['upgrade', 'websocket'], ['keep-alive', '5'], ['te', 'gzip']] as [string, string][]) {
    it(`${field[0]}: ${field[1]} resets the stream with PROTOCOL_ERROR, never forwarded`, async () => {
      const before = api.seen.length;
      const got = await rawH2(clear.port, rawHeadersFrame([...base, field]));
      const rst = got.find((f) => f.type === 3 && f.stream === 1);
      expect(rst, 'an RST_STREAM on stream 1').toBeDefined();
      expect(rst!.payload.readUInt32BE(0)).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
      // no HEADERS answer on the stream, and the backend saw nothing
      expect(got.some((f) => f.type === 1 && f.stream === 1)).toBe(false);
      expect(api.seen.length).toBe(before);
    });
  }

  it('no :authority and no Host: the stream is reset (PROTOCOL_ERROR), never forwarded', async () => {
    const before = api.seen.length;
    const got = await rawH2(clear.port, rawHeadersFrame(base.filter(([n]) => n !== ':authority')));
    expect(got.find((f) => f.type === 3 && f.stream === 1)?.payload.readUInt32BE(0)).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
    expect(api.seen.length).toBe(before);
  });

  it('Host without :authority is taken as the host', async () => {
    const got = await rawH2(clear.port, rawHeadersFrame([...base.filter(([n]) => n !== ':authority'), ['host', 'b.test']]));
    const h = got.find((f) => f.type === 1 && f.stream === 1);
    expect(h, 'a HEADERS answer on stream 1').toBeDefined();
    // HPACK static table entry 8 is `:status: 200`, sent indexed (0x80 | 8)
    expect(h!.payload[0]).toBe(0x88);
    expect(api.seen.at(-1)!.headers.host).toBe('b.test');
  });

  it('TE: trailers is allowed', async () => {
    const before = api.seen.length;
    const got = await rawH2(clear.port, rawHeadersFrame([...base, ['te', 'trailers']]));
    expect(got.some((f) => f.type === 1 && f.stream === 1)).toBe(true);
    expect(api.seen.length).toBe(before + 1);
  });
});

describe('idle HTTP/2 connections', () => {
  it('are closed after keepAliveTimeout with no stream open; a long stream is not cut', async () => {
    // answers after 800 ms of silence on the connection
    const late = await startServer((_req, res) => void setTimeout(() => res.end('late'), 800));
    const slow = await startRouter({
      listen: { host: '127.0.0.1', port: 0, http2: true, limits: { keepAliveTimeout: 300 } },
      pools: { late: { backends: [late.url] } },
      routes: [{ pool: 'late' }],
    });
    try {
      const s = await h2session(slow.port);
      s.on('error', () => undefined);
      expect((await h2req(s, { ':path': '/one' })).body).toBe('late');
      const t0 = Date.now();
      await new Promise<void>((r) => s.once('close', () => r()));
      const ms = Date.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1500);
    } finally {
      await slow.close();
      await late.close();
    }
  });
});

describe('shutdown', () => {
  it('sends GOAWAY at once; a stream in flight still completes', async () => {
    let arrived = false;
    const late = await startServer((_req, res) => {
      arrived = true;
      setTimeout(() => res.end('late'), 500);
    });
    const r = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true }, pools: { late: { backends: [late.url] } }, routes: [{ pool: 'late' }] });
    try {
      const s = await h2session(r.port);
      s.on('error', () => undefined);
      let goawayAt = -1;
      const inFlight = h2req(s, { ':path': '/slow' });
      await until(() => arrived, 1000, 'the request at the backend');
      const t0 = Date.now();
      s.once('goaway', () => (goawayAt = Date.now() - t0));
      const closing = r.close();
      const got = await inFlight;
      expect(got.status).toBe(200);
      expect(got.body).toBe('late');
      // GOAWAY came well before the answer (500 ms after arrival)
      expect(goawayAt).toBeGreaterThanOrEqual(0);
      expect(goawayAt).toBeLessThan(300);
      await closing;
    } finally {
      await late.close();
    }
  });
});
