// HTTP/2 limits per connection (`listen.http2Limits`, docs/security.md "HTTP/2"): streams past
// maxConcurrentStreams are refused (REFUSED_STREAM) and a node:http2 client is held to the limit;
// a PING flood and a SETTINGS flood from a client that does not read get its connection closed
// after a bounded number of frames, and the router goes on serving other clients.
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { slowBackend, startRouter, until, type SlowBackend, type TestRouter } from '../helpers.js';
import { frame, frames, h2req, h2session, headersFrame, PREFACE, type Frame } from './h2-client.js';

let slow: SlowBackend;
let limited: TestRouter;
let plain: TestRouter;

beforeAll(async () => {
  slow = await slowBackend('slow', 0);
  const pools = { p: { backends: [slow.url] } };
  const routes = [{ pool: 'p' }];
  limited = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true, http2Limits: { maxConcurrentStreams: 2 } }, pools, routes });
  plain = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true }, pools, routes });
});

afterAll(async () => {
  await limited?.close();
  await plain?.close();
  await slow?.close();
});

describe('listen.http2Limits in the config', () => {
  const base = { pools: { p: { backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'p' }] };
  it('defaults: 100 streams, the header list bounded by limits.maxHeaderSize', () => {
    const c = validate({ ...base, listen: { http2: true, limits: { maxHeaderSize: 8192 } } }).config!;
    expect(c.listen[0]!.http2Limits).toEqual({
      maxConcurrentStreams: 100, maxHeaderListSize: 8192, maxSessionInvalidFrames: 1000, maxSessionRejectedStreams: 100, maxOutstandingPings: 10, maxSettings: 32,
    });
  });
  it('a bad value is a problem at its key path', () => {
    const r = validate({ ...base, listen: { http2Limits: { maxConcurrentStreams: 0, maxSettings: 'many' } } });
    expect(r.problems.map((p) => p.path).sort()).toEqual(['listen.http2Limits.maxConcurrentStreams', 'listen.http2Limits.maxSettings']);
  });
});

const get = (stream: number, path: string) => headersFrame(stream, [[':method', 'GET'], [':scheme', 'http'], [':path', path], [':authority', 'a.test']], true);

/** A raw h2c connection: the bytes it received, parsed on demand, and whether it closed. */
function rawH2(port: number): Promise<{ sock: Socket; got: () => Frame[]; closed: () => boolean }> {
  return new Promise((done, fail) => {
    const sock = netConnect({ host: '127.0.0.1', port }, () => done({ sock, got: () => frames(Buffer.concat(bufs)), closed: () => closed }));
    const bufs: Buffer[] = [];
    let closed = false;
    sock.on('data', (b: Buffer) => bufs.push(b));
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    sock.once('error', fail);
  });
}

const RST_STREAM = 3;
const GOAWAY = 7;
const REFUSED_STREAM = 7;

describe('maxConcurrentStreams', () => {
  it('refuses a third stream with REFUSED_STREAM while two are open (limit 2), and answers the two', async () => {
    const c = await rawH2(limited.port);
    // preface and empty SETTINGS, not acknowledging the router's: then nghttp2 refuses the stream
    // past the limit instead of closing the connection
    c.sock.write(Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), get(1, '/slow/300'), get(3, '/slow/300'), get(5, '/slow/300')]));
    await until(() => c.got().filter((f) => f.type === 1 && (f.stream === 1 || f.stream === 3)).length === 2, 3000, 'answers on streams 1 and 3');
    const rst = c.got().filter((f) => f.type === RST_STREAM);
    expect(rst.map((f) => [f.stream, f.payload.readUInt32BE(0)])).toEqual([[5, REFUSED_STREAM]]);
    c.sock.destroy();
  });

  it('holds a node:http2 client to 2 requests at once at the backend; all 6 are answered', async () => {
    const before = slow.max();
    expect(before).toBeLessThanOrEqual(2);
    const s = await h2session(limited.port);
    // one request first: the client has the router's SETTINGS before it opens the others
    expect((await h2req(s, { ':path': '/first' })).status).toBe(200);
    const got = await Promise.all(Array.from({ length: 6 }, (_, i) => h2req(s, { ':path': `/slow/150?i=${i}` })));
    s.close();
    expect(got.map((g) => g.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(slow.max()).toBe(2);
  });
});

/** Write `one` frame over and over without reading answers, until the router closes; frames written. */
async function flood(port: number, one: Buffer, cap: number): Promise<{ sent: number; closed: boolean; goaway: boolean; ms: number }> {
  const c = await rawH2(port);
  c.sock.pause(); // never read: the acknowledgements pile up on the router's side
  let goaway = false;
  c.sock.on('data', (b: Buffer) => (goaway ||= frames(b).some((f) => f.type === GOAWAY)));
  c.sock.write(Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => one));
  const t0 = Date.now();
  let sent = 0;
  while (!c.closed() && !c.sock.destroyed && sent < cap && Date.now() - t0 < 10_000) {
    if (!c.sock.write(batch)) await new Promise<void>((r) => { c.sock.once('drain', r); c.sock.once('close', r); });
    sent += 1000;
    await new Promise((r) => setImmediate(r));
  }
  c.sock.resume();
  await until(() => c.closed(), 5000, 'connection closed').catch(() => undefined);
  const ms = Date.now() - t0;
  const closed = c.closed();
  c.sock.destroy();
  return { sent, closed, goaway, ms };
}

const CAP = 2_000_000;
/** Frames a flooding client may send before its connection is closed. */
const BOUND = 50_000;

describe('floods', () => {
  it('a PING flood gets the connection closed after a bounded number of frames; others are served', async () => {
    const ping = frame(6, 0, 0, Buffer.alloc(8));
    const r = await flood(plain.port, ping, CAP);
    expect(r.closed).toBe(true);
    // measured: the router closes after a few thousand frames (about 4000 of 17 bytes)
    expect(r.sent).toBeLessThanOrEqual(BOUND);
    // a client that reads its answers may ping: 50 PINGs one after another keep the session
    const s = await h2session(plain.port);
    for (let i = 0; i < 50; i++) await new Promise<void>((done, fail) => s.ping((e) => (e ? fail(e) : done())));
    expect((await h2req(s, { ':path': '/after-ping' })).status).toBe(200);
    s.close();
  });

  it('a SETTINGS flood gets the connection closed after a bounded number of frames; others are served', async () => {
    const settings = frame(4, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100])); // MAX_CONCURRENT_STREAMS = 100
    const r = await flood(plain.port, settings, CAP);
    expect(r.closed).toBe(true);
    // measured: the router closes after a few thousand frames (about 4000 of 17 bytes)
    expect(r.sent).toBeLessThanOrEqual(BOUND);
    const s = await h2session(plain.port);
    expect((await h2req(s, { ':path': '/after-settings' })).status).toBe(200);
    s.close();
  });
});
