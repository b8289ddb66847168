// Issue 15, route actions on forwarded requests: `rewrite` (matching uses the original path; the
// rewritten one is re-checked by the path policy, so `..` and `%2F` cannot slip in), header
// edits on the request (plain and upgrade) and the answer, and the per-route `maxBodySize`
// (413 before anything is forwarded with Content-Length; a chunked body is cut at the limit).
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, raw, rawExchange, recordingBackend, rawRequest, startRouter, startServer, type Raw, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter | undefined;
const servers: TestServer[] = [];
const clients: Raw[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await router?.close();
  for (const s of servers.splice(0)) await s.close();
  router = undefined;
});

async function echo() {
  const b = await echoBackend('b');
  servers.push(b);
  return b;
}

const seen = async (port: number, target: string, headers: Record<string, string> = {}) => {
  const a = await rawRequest(port, { method: 'GET', target, headers });
  return { status: a.status, headers: a.headers, echo: a.status === 200 ? (JSON.parse(a.body) as { url: string; headers: Record<string, string> }) : undefined };
};

describe('rewrite', () => {
  it('stripPrefix, addPrefix and replace change the forwarded path; matching used the original; the query is kept', async () => {
    const b = await echo();
    router = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b.url] } },
      routes: [
        { name: 'api', match: { path: '/api/**' }, rewrite: { stripPrefix: '/api' }, pool: 'p' },
        { name: 'v2', match: { path: '/v2/**' }, rewrite: { stripPrefix: '/v2/', addPrefix: '/internal/v2' }, pool: 'p' },
        { name: 'img', match: { path: '/img/*' }, rewrite: { replace: [/^\/img\/(\w+)\.jpg$/, '/images/$1/full.jpg'] }, pool: 'p' },
        { name: 'rest', pool: 'p' },
      ],
    });
    expect((await seen(router.port, '/api/users?id=7&x')).echo?.url).toBe('/users?id=7&x');
    expect((await seen(router.port, '/api')).echo?.url).toBe('/');
    expect((await seen(router.port, '/apix/users')).echo?.url).toBe('/apix/users'); // route rest: not at a segment boundary
    expect((await seen(router.port, '/v2/a/b')).echo?.url).toBe('/internal/v2/a/b');
    expect((await seen(router.port, '/img/cat.jpg?s=1')).echo?.url).toBe('/images/cat/full.jpg?s=1');
    // /api/../v2/x is normalised to /v2/x before matching: route v2, never api
    expect((await seen(router.port, '/api/../v2/x')).echo?.url).toBe('/internal/v2/x');
    const e = router.router.explain({ method: 'GET', url: '/api/users?id=7' });
    expect([e.route?.name, e.path, e.rewrite]).toEqual(['api', '/api/users', { from: '/api/users?id=7', to: '/users?id=7' }]);
  });

  it('a rewrite that would form a dot segment or an encoded slash is refused with 400 and never forwarded', async () => {
    const b = await echo();
    router = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b.url] } },
      routes: [
        // joins the segments around "-": /files/.-./x becomes /files/../x
        { name: 'join', match: { path: '/files/**' }, rewrite: { replace: [/-/g, ''] }, pool: 'p' },
        // drops "25": %252F (an escaped "%2F", allowed) becomes %2F
        { name: 'unescape', match: { path: '/raw/**' }, rewrite: { replace: [/25/g, ''] }, pool: 'p' },
      ],
    });
    for (const target of ['/files/.-./admin', '/files/a/.-/b', '/raw/a%252Fb', '/raw/%255C']) {
      const a = await rawRequest(router.port, { method: 'GET', target });
      expect([target, a.status, a.headers['x-switchyard-error']]).toEqual([target, 400, 'SY_ERR_BAD_PATH']);
    }
    expect(b.seen).toHaveLength(0);
    expect((await seen(router.port, '/files/a-b')).echo?.url).toBe('/files/ab');
    expect(router.router.explain({ method: 'GET', url: '/files/.-./x' })).toMatchObject({ status: 400, route: { name: 'join' } });
  });
});

describe('header edits', () => {
  it('request set/remove reach the backend; response set/remove reach the client', async () => {
    const b = await echo();
    router = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b.url] } },
      routes: [{
        pool: 'p',
        headers: { request: { set: { 'X-Tenant': 'blue', 'user-agent': 'switchyard' }, remove: ['Cookie', 'x-debug'] }, response: { set: { 'x-frame-options': 'DENY' }, remove: ['X-Backend'] } },
      }],
    });
    const a = await seen(router.port, '/p', { Cookie: 'sid=1', 'X-Debug': '1', 'User-Agent': 'curl', 'X-Keep': 'k' });
    const h = a.echo!.headers;
    expect([h['x-tenant'], h['user-agent'], h.cookie, h['x-debug'], h['x-keep'], h['x-forwarded-for']]).toEqual(['blue', 'switchyard', undefined, undefined, 'k', '127.0.0.1']);
    expect(a.headers['x-frame-options']).toBe('DENY');
    expect(a.headers['x-backend']).toBeUndefined();
    expect(a.headers['content-type']).toBe('application/json');
  });

  it('an upgrade request gets the request edits, its answer the response edits', async () => {
    const got: IncomingMessage[] = [];
    const s = await startServer((_req, res) => res.end());
    servers.push(s);
    s.server.on('upgrade', (req: IncomingMessage, socket) => {
      got.push(req);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Internal: 1\r\n\r\n');
    });
    router = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [s.url] } },
      routes: [{ pool: 'p', headers: { request: { set: { 'x-tenant': 'blue' }, remove: ['cookie'] }, response: { remove: ['x-internal'] } } }],
    });
    const text = await rawExchange(router.port, 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: a=1\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    expect(text.toLowerCase()).not.toContain('x-internal');
    expect([got[0]?.headers['x-tenant'], got[0]?.headers.cookie, got[0]?.headers.upgrade]).toEqual(['blue', undefined, 'websocket']);
  });
});

async function recording() {
  const s = await recordingBackend();
  servers.push(s);
  return s;
}

describe('maxBodySize per route', () => {
  const config = (url: string) => ({
    listen: { host: '127.0.0.1', port: 0, limits: { maxBodySize: 100 } },
    pools: { p: { scheduler: 'rr', backends: [url] } },
    routes: [
      { name: 'small', match: { path: '/small' }, maxBodySize: 10, pool: 'p' },
      { name: 'upload', match: { path: '/upload' }, maxBodySize: 1000, pool: 'p' },
      { name: 'rest', pool: 'p' },
    ],
  });

  it('413 before anything is forwarded when Content-Length is over the route limit; the route may raise the listener limit', async () => {
    const b = await recording();
    router = await startRouter(config(b.url));
    const small = await rawRequest(router.port, { method: 'POST', target: '/small', body: 'x'.repeat(11) });
    expect([small.status, small.headers['x-switchyard-error']]).toEqual([413, 'SY_ERR_BODY_TOO_LARGE']);
    expect(b.fates).toEqual([]);
    expect((await rawRequest(router.port, { method: 'POST', target: '/small', body: 'x'.repeat(10) })).body).toBe('got 10\n');
    expect((await rawRequest(router.port, { method: 'POST', target: '/upload', body: 'x'.repeat(500) })).body).toBe('got 500\n');
    expect((await rawRequest(router.port, { method: 'POST', target: '/other', body: 'x'.repeat(500) })).status).toBe(413);
  });

  it('a chunked body is cut the moment it passes the route limit: 413, upstream request aborted', async () => {
    const b = await recording();
    router = await startRouter(config(b.url));
    const c = await raw(router.port, { first: 'POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n' });
    clients.push(c);
    await new Promise((r) => setTimeout(r, 150));
    expect(c.text()).toBe(''); // under the limit: still streaming
    c.socket.write('8\r\n12345678\r\n');
    await c.until((t) => t.includes('\r\n\r\n'));
    expect(c.text()).toMatch(/^HTTP\/1\.1 413 /);
    expect(c.text().toLowerCase()).toContain('connection: close');
    await c.closed;
    for (let i = 0; i < 40 && b.fates.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(b.fates).toEqual(['aborted']);
  });
});
