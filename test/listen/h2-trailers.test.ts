// An HTTP/2 client's request trailers reach an HTTP/1.1 backend after the chunked body (issue 14:
// "trailers ... in both directions"): the raw upstream connections write them as the trailer
// section of the last chunk. Hop-by-hop and framing names are never forwarded.
import type { IncomingMessage } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouter, startServer, type TestRouter, type TestServer } from '../helpers.js';

let backend: TestServer;
let router: TestRouter;
let session: ClientHttp2Session;

beforeAll(async () => {
  backend = await startServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => res.end(JSON.stringify({ body, trailers: req.trailers, te: req.headers['transfer-encoding'] ?? null })));
  });
  router = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true }, pools: { p: { backends: [backend.url] } }, routes: [{ pool: 'p' }] });
  session = await new Promise<ClientHttp2Session>((done, fail) => {
    const s = connect(`http://127.0.0.1:${router.port}`);
    s.once('connect', () => done(s));
    s.once('error', fail);
  });
});

afterAll(async () => {
  session?.close();
  await router?.close();
  await backend?.close();
});

/** POST `body` on a stream that ends with `trailers`; the backend's JSON answer. */
function post(body: string, trailers: Record<string, string>): Promise<{ body: string; trailers: Record<string, string>; te: string | null }> {
  return new Promise((done, fail) => {
    const req = session.request({ ':method': 'POST', ':path': '/up' }, { waitForTrailers: true });
    req.on('wantTrailers', () => req.sendTrailers(trailers));
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => done(JSON.parse(text) as { body: string; trailers: Record<string, string>; te: string | null }));
    req.on('error', fail);
    req.end(body);
  });
}

describe('HTTP/2 request trailers', () => {
  it('follow the chunked body to the HTTP/1.1 backend', async () => {
    const got = await post('hello trailers', { 'x-checksum': 'abc123', 'x-count': '2' });
    expect(got.body).toBe('hello trailers');
    expect(got.te).toBe('chunked');
    expect(got.trailers).toEqual({ 'x-checksum': 'abc123', 'x-count': '2' });
  });

  it('leave out framing and hop-by-hop names', async () => {
    // (node:http2 itself refuses content-length and connection-specific names in trailers)
    const got = await post('x', { 'x-ok': '1', host: 'evil.example', trailer: 'x-ok', expect: '100-continue' });
    expect(got.trailers).toEqual({ 'x-ok': '1' });
    expect(got.body).toBe('x');
  });
});
