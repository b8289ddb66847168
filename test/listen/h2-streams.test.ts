// HTTP/2 streams (docs/routing.md "HTTP/2", docs/security.md "HTTP/2"): large bodies stream both
// ways with bounded memory, a stream reset mid-body aborts only its own upstream request, response
// trailers reach the client, and a client that opens and cancels streams in a loop (rapid reset,
// CVE-2023-44487) is cut off with GOAWAY ENHANCE_YOUR_CALM while the backend sees a bounded number.
import { constants, type ClientHttp2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startRouter, startServer, until, type TestRouter, type TestServer } from '../helpers.js';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { frame, frames, h2req, h2session, headersFrame, rawHeadersFrame } from './h2-client.js';
import { makePki, type Pki } from './pki.js';

const MiB = 1024 * 1024;
const SIZE = 20 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

let pki: Pki;
let backend: TestServer;
let tr: TestRouter;
const logs: string[] = [];
/** Requests the backend has seen, by path prefix; uploads that ended without their body. */
const seen = { hits: 0, aborted: [] as string[], completed: [] as string[] };
/** Each request's path as it arrives (before its body). */
const started: string[] = [];
const backendHas = (path: string) => started.includes(path);
/** Bytes of each download the backend has written. */
const sentBy = new Map<string, number>();
let holdUploads = false;
const held: (() => void)[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  seen.hits++;
  const url = req.url!;
  started.push(url);
  // aborted: the request body was cut, or the answer could not be sent in full
  res.on('close', () => (req.complete && res.writableFinished ? seen.completed.push(url) : seen.aborted.push(url)));
  if (url.startsWith('/download')) {
    // SIZE bytes, written as fast as the client side takes them
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE });
    let sent = 0;
    const pump = () => {
      while (sent < SIZE) {
        sent += CHUNK.length;
        sentBy.set(url, sent);
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  if (url.startsWith('/trailers')) {
    res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
    res.write('body');
    res.addTrailers({ 'x-checksum': 'abc123' });
    res.end();
    return;
  }
  // count the upload, keep nothing; held uploads are not read until released
  if (holdUploads) {
    req.pause();
    held.push(() => req.resume());
  }
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(String(n));
  });
}

beforeAll(async () => {
  pki = makePki();
  const leaf = pki.leaf('a', ['a.test']);
  backend = await startServer(handler);
  tr = await startRouter({
    listen: { host: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key } },
    pools: { p: { backends: [backend.url], timeout: 20_000 } },
    routes: [{ pool: 'p' }],
  }, { logs });
});

afterAll(async () => {
  await tr?.close();
  await backend?.close();
  pki?.remove();
});

/** Highest RSS seen while `work` runs, minus RSS before. */
async function rssGrowth(work: () => Promise<void>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    await work();
  } finally {
    clearInterval(t);
  }
  return Math.max(peak, process.memoryUsage().rss) - base;
}

describe('large bodies stream with bounded memory', () => {
  let s: ClientHttp2Session;
  beforeAll(async () => {
    s = await h2session(tr.port, pki.ca);
  });
  afterAll(() => s?.close());

  /** Upload SIZE bytes as fast as the stream takes them; the backend's count. */
  const upload = (path: string, onWritten?: (n: number) => void) => new Promise<string>((done, fail) => {
    const req = s.request({ ':path': path, ':authority': 'a.test', ':method': 'POST' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString()));
    req.on('error', fail);
    let sent = 0;
    const pump = () => {
      while (sent < SIZE) {
        sent += CHUNK.length;
        onWritten?.(sent);
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  const download = () => new Promise<number>((done, fail) => {
    const req = s.request({ ':path': '/download', ':authority': 'a.test' });
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => done(n));
    req.on('error', fail);
    req.end();
  });

  it(`a ${SIZE / MiB} MiB upload and a ${SIZE / MiB} MiB download at once, RSS growth bounded`, async () => {
    // one pass first, so RSS already holds what any pass needs (TLS, sockets, pools)
    await Promise.all([upload('/upload-warm'), download()]);
    let results: [string, number] = ['', 0];
    const growth = await rssGrowth(async () => {
      results = await Promise.all([upload('/upload'), download()]);
    });
    expect(results).toEqual([String(SIZE), SIZE]);
    // client, router and backend share this process, and 40 MiB of chunks leave garbage until
    // the next GC (~18 MiB measured): holding both bodies would add 40 MiB on top. The two
    // tests below check the tight property (backpressure) directly
    expect(growth).toBeLessThan(SIZE * 1.5);
  }, 30_000);

  it('a download the client stops reading holds the backend back (nothing buffers the body)', async () => {
    const req = s.request({ ':path': '/download-held', ':authority': 'a.test' });
    let n = 0;
    req.on('error', () => undefined);
    req.once('data', (c: Buffer) => {
      n += c.length;
      req.pause();
    });
    req.end();
    await until(() => backendHas('/download-held'), 3000, 'the download at the backend');
    await sleep(500);
    // what the backend could write: the h2 window, the socket buffers and undici's: a few MiB
    expect(sentBy.get('/download-held')!).toBeLessThan(SIZE / 2);
    req.on('data', (c: Buffer) => (n += c.length));
    req.resume();
    await new Promise<void>((r) => req.once('end', () => r()));
    expect(n).toBe(SIZE);
  }, 30_000);

  it('an upload the backend stops reading holds the client back', async () => {
    holdUploads = true;
    let written = 0;
    const done = upload('/upload-held', (n) => (written = n));
    await until(() => backendHas('/upload-held'), 3000, 'the upload at the backend');
    await sleep(500);
    expect(written).toBeLessThan(SIZE / 2);
    holdUploads = false;
    for (const r of held.splice(0)) r();
    expect(await done).toBe(String(SIZE));
  }, 30_000);
});

describe('a stream reset mid-body', () => {
  it("aborts only that stream's upstream request; the others on the connection complete", async () => {
    // raw frames: node:http2's client sends END_STREAM before its RST_STREAM, which would make
    // the body complete; a client that resets mid-body sends RST_STREAM alone
    const sock = tlsConnect({ host: '127.0.0.1', port: tr.port, servername: 'a.test', ca: readFileSync(pki.ca), ALPNProtocols: ['h2'] });
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('error', () => undefined);
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    try {
      seen.aborted.length = 0;
      seen.completed.length = 0;
      const h = (path: string, method: string): [string, string][] => [[':method', method], [':scheme', 'https'], [':path', path], [':authority', 'a.test']];
      sock.write(Buffer.concat([rawHeadersFrame(h('/upload-cancelled', 'POST'), false), frame(0, 0, 1, Buffer.alloc(16 * 1024, 'c'))]));
      // the upload is under way at the backend before the client resets it
      await until(() => backendHas('/upload-cancelled'), 3000, 'the upload at the backend');
      sock.write(Buffer.concat([headersFrame(3, h('/upload-a', 'POST'), false), frame(0, 0x1, 3, Buffer.from('aaaa')), headersFrame(5, h('/trailers', 'GET'), true)]));
      await until(() => backendHas('/upload-a') && backendHas('/trailers'), 3000, 'the other streams at the backend');
      const t0 = Date.now();
      const rst = Buffer.alloc(4);
      rst.writeUInt32BE(constants.NGHTTP2_CANCEL);
      sock.write(frame(3, 0, 1, rst));
      await until(() => seen.aborted.includes('/upload-cancelled'), 3000, 'the backend to see the abort');
      expect(Date.now() - t0).toBeLessThan(1000);
      await until(() => seen.completed.length === 2, 3000, 'the other two');
      expect(seen.aborted).toEqual(['/upload-cancelled']);
      expect(seen.completed.sort()).toEqual(['/trailers', '/upload-a']);
      // both answers end on their streams (DATA with END_STREAM, or trailers' HEADERS)
      await until(() => frames(Buffer.concat(got)).filter((f) => (f.stream === 3 || f.stream === 5) && (f.flags & 0x1) === 1).length === 2, 3000, 'the answers');
      const fs = frames(Buffer.concat(got));
      expect(fs.some((f) => f.stream === 3 && f.type === 1 && f.payload[0] === 0x88)).toBe(true); // :status 200
      expect(fs.some((f) => f.stream === 1 && f.type === 1)).toBe(false); // no answer on the reset stream
    } finally {
      sock.destroy();
    }
  }, 30_000);
});

describe('trailers', () => {
  it("a backend's response trailers reach the HTTP/2 client", async () => {
    const s = await h2session(tr.port, pki.ca);
    try {
      const r = await h2req(s, { ':path': '/trailers', ':authority': 'a.test' });
      expect(r.body).toBe('body');
      expect(r.trailers['x-checksum']).toBe('abc123');
    } finally {
      s.close();
    }
  });
});

describe('rapid reset (CVE-2023-44487)', () => {
  it('a client that opens and cancels 10,000 streams is cut off with GOAWAY ENHANCE_YOUR_CALM; the backend sees a bounded number', async () => {
    // raw frames, as an attacker sends them: HEADERS then RST_STREAM(CANCEL), stream after stream
    const sock = tlsConnect({ host: '127.0.0.1', port: tr.port, servername: 'a.test', ca: readFileSync(pki.ca), ALPNProtocols: ['h2'] });
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    const before = seen.hits;
    const t0 = Date.now();
    const cancel = Buffer.alloc(4);
    cancel.writeUInt32BE(constants.NGHTTP2_CANCEL);
    let sent = 0;
    sock.write(rawHeadersFrame([]).subarray(0, 24 + 9)); // preface and empty SETTINGS
    while (sent < 10_000 && !sock.destroyed && sock.writable) {
      const batch: Buffer[] = [];
      for (let k = 0; k < 100; k++, sent++) {
        const id = 2 * sent + 1;
        batch.push(headersFrame(id, [[':method', 'GET'], [':scheme', 'https'], [':path', `/rr/${sent}`], [':authority', 'a.test']], true), frame(3, 0, id, cancel));
      }
      await new Promise<void>((r) => sock.write(Buffer.concat(batch), () => r()));
      await sleep(1);
    }
    await Promise.race([closed, sleep(5000)]);
    const ms = Date.now() - t0;
    expect(sock.destroyed || sock.readableEnded, 'the server closed the connection').toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(sent).toBeLessThan(10_000);
    const goaway = frames(Buffer.concat(got)).find((f) => f.type === 7);
    expect(goaway, 'a GOAWAY frame').toBeDefined();
    expect(goaway!.payload.readUInt32BE(4)).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await sleep(200);
    expect(seen.hits - before).toBeLessThanOrEqual(300);
    expect(logs.some((l) => l.includes('rapid reset'))).toBe(true);
    sock.destroy();
  }, 20_000);

  it('a client that cancels a few streams keeps its connection', async () => {
    const s = await h2session(tr.port, pki.ca);
    try {
      for (let i = 0; i < 50; i++) {
        const r = s.request({ ':path': `/few/${i}`, ':authority': 'a.test' });
        r.on('error', () => undefined);
        r.close(constants.NGHTTP2_CANCEL);
      }
      await sleep(100);
      const r = await h2req(s, { ':path': '/after', ':authority': 'a.test', ':method': 'POST' }, 'ok');
      expect(r.status).toBe(200);
    } finally {
      s.close();
    }
  });
});
