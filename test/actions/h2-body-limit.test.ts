// Issue 15, a route's maxBodySize on HTTP/2 streams (h2c, real sockets): a declared length over
// the limit gets 413 before anything is forwarded; a body of unknown length is cut the moment it
// passes the limit (413, the upstream request aborted), as on HTTP/1.1 (test/actions/forwarding.test.ts).
import type { ClientHttp2Session } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { h2req, h2session } from '../listen/h2-client.js';
import { recordingBackend, sleep, startRouter, until, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter | undefined;
let backend: (TestServer & { fates: string[] }) | undefined;
let session: ClientHttp2Session | undefined;
afterEach(async () => {
  session?.destroy();
  await router?.close();
  await backend?.close();
  router = backend = session = undefined;
});

async function start() {
  backend = await recordingBackend();
  router = await startRouter({
    listen: { host: '127.0.0.1', port: 0, http2: true, limits: { maxBodySize: 100 } },
    pools: { p: { scheduler: 'rr', backends: [backend.url] } },
    routes: [{ name: 'small', match: { path: '/small' }, maxBodySize: 10, pool: 'p' }, { name: 'rest', pool: 'p' }],
  });
  session = await h2session(router.port);
  return session;
}

describe('maxBodySize per route on HTTP/2', () => {
  it('a content-length over the route limit: 413 and nothing forwarded; the route limit, not the listener\'s, applies', async () => {
    const s = await start();
    const over = await h2req(s, { ':method': 'POST', ':path': '/small', 'content-length': '11' }, 'x'.repeat(11));
    expect([over.status, over.headers['x-switchyard-error']]).toEqual([413, 'SY_ERR_BODY_TOO_LARGE']);
    expect(backend!.fates).toEqual([]);
    expect((await h2req(s, { ':method': 'POST', ':path': '/small', 'content-length': '10' }, 'x'.repeat(10))).body).toBe('got 10\n');
    expect((await h2req(s, { ':method': 'POST', ':path': '/other' }, 'x'.repeat(50))).body).toBe('got 50\n');
  });

  it('a body of unknown length is cut once it passes the limit: 413, upstream request aborted', async () => {
    const s = await start();
    const req = s.request({ ':method': 'POST', ':path': '/small' });
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('error', () => undefined);
    req.resume();
    req.write('12345678');
    await sleep(150);
    expect(status).toBe(0); // under the limit: still streaming
    req.write('12345678');
    await until(() => status !== 0, 2000, 'the 413');
    expect(status).toBe(413);
    await until(() => backend!.fates.length > 0, 2000, 'the upstream abort');
    expect(backend!.fates).toEqual(['aborted']);
  });
});
