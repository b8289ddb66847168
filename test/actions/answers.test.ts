// Issue 15, route actions: `redirect` (each status, templates, the query kept) and `respond`
// (a fixed answer that never touches a pool), through real sockets; answers are access-logged
// with their route and no pool; upgrade requests and HTTP/2 get the same answers.
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdmin } from '../../src/admin/server.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { h2req, h2session } from '../listen/h2-client.js';
import { echoBackend, rawExchange, rawRequest, startRouter, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter | undefined;
let backend: (TestServer & { seen: unknown[] }) | undefined;
afterEach(async () => {
  await router?.close();
  await backend?.close();
  router = backend = undefined;
});

async function start(routes: Record<string, unknown>[]) {
  backend = await echoBackend('b');
  router = await startRouter({ pools: { p: { scheduler: 'rr', backends: [backend.url] } }, routes: [...routes, { name: 'rest', pool: 'p' }] });
  const records: AccessRecord[] = [];
  router.router.requestObservers.push((r) => records.push(r));
  return records;
}

const get = (port: number, target: string, headers: Record<string, string> = {}) => rawRequest(port, { method: 'GET', target, host: 'shop.test:8080', headers });

/** The first answer of raw bytes: status, lower-case headers, body (Content-Length framed). */
function first(text: string) {
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + Number(headers['content-length'] ?? 0)) };
}

describe('redirect', () => {
  for (const status of [301, 302, 307, 308]) {
    it(`answers ${status} with the templated Location and keeps the query string`, async () => {
      const records = await start([{ name: 'old', match: { path: '/old/**' }, redirect: { to: 'https://{host}/new{path}', status } }]);
      const a = await get(router!.port, '/old/a/b?x=1&y=%20');
      expect(a.status).toBe(status);
      expect(a.headers.location).toBe('https://shop.test:8080/new/old/a/b?x=1&y=%20');
      expect(a.headers['content-length']).toBe('0');
      expect(backend!.seen).toHaveLength(0);
      expect(records.map((r) => [r.route, r.pool, r.status])).toEqual([['old', undefined, status]]);
    });
  }

  it('defaults to 302; {scheme}, {path} and {query} fill in, and a rewrite changes {path}', async () => {
    await start([
      { name: 'q', match: { path: '/q' }, redirect: { to: '{scheme}://example.net/search?q=1&{query}' } },
      { name: 'moved', match: { path: '/old/**' }, rewrite: { stripPrefix: '/old' }, redirect: { to: '{path}', status: 301 } },
    ]);
    const a = await get(router!.port, '/q?page=2');
    expect([a.status, a.headers.location]).toEqual([302, 'http://example.net/search?q=1&page=2']);
    const b = await get(router!.port, '/q');
    expect(b.headers.location).toBe('http://example.net/search?q=1&');
    const c = await get(router!.port, '/old/docs/x.html?v=3');
    expect([c.status, c.headers.location]).toEqual([301, '/docs/x.html?v=3']);
    const d = await get(router!.port, '/old/x', { 'X-Forwarded-Proto': 'https' });
    expect(d.headers.location).toBe('/x'); // an untrusted X-Forwarded-Proto changes nothing
  });

  it('a trusted peer\'s X-Forwarded-Proto gives {scheme}; an untrusted one does not', async () => {
    backend = await echoBackend('b');
    const routes = [{ match: { path: '/s' }, redirect: { to: '{scheme}://{host}/t' } }];
    router = await startRouter({ listen: { host: '127.0.0.1', port: 0, trustProxy: true }, pools: { p: { backends: [backend.url] } }, routes });
    expect((await get(router.port, '/s', { 'X-Forwarded-Proto': 'https' })).headers.location).toBe('https://shop.test:8080/t');
    await router.close();
    router = await startRouter({ pools: { p: { backends: [backend.url] } }, routes });
    expect((await get(router.port, '/s', { 'X-Forwarded-Proto': 'https' })).headers.location).toBe('http://shop.test:8080/t');
  });

  it('a path starting with "//" never makes a Location that leaves the site', async () => {
    backend = await echoBackend('b');
    router = await startRouter({
      listen: { host: '127.0.0.1', port: 0, mergeSlashes: false },
      pools: { p: { backends: [backend.url] } },
      routes: [{ match: { path: '/old/**' }, rewrite: { stripPrefix: '/old' }, redirect: { to: '{path}' } }],
    });
    const a = await get(router.port, '/old//evil.example/x?a=1');
    expect([a.status, a.headers.location]).toEqual([302, '/evil.example/x?a=1']);
  });

  it('an upgrade request gets the redirect on its socket, then the connection closes', async () => {
    await start([{ name: 'old', match: { path: '/ws' }, redirect: { to: '/socket', status: 308 } }]);
    const a = first(await rawExchange(router!.port, 'GET /ws?t=1 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
    expect([a.status, a.headers.location, a.headers.connection]).toEqual([308, '/socket?t=1', 'close']);
    expect(backend!.seen).toHaveLength(0);
  });
});

describe('respond', () => {
  it('answers the fixed status, body, type and headers; HEAD gets no body; the pool sees nothing', async () => {
    const records = await start([{
      name: 'maintenance', match: { path: '/maintenance' },
      respond: { status: 503, body: '<h1>back soon</h1>', contentType: 'text/html', headers: { 'retry-after': '120', 'cache-control': 'no-store' } },
      headers: { response: { set: { 'x-served-by': 'switchyard' } } },
    }]);
    const a = await get(router!.port, '/maintenance');
    expect(a.status).toBe(503);
    expect(a.body).toBe('<h1>back soon</h1>');
    expect(a.headers).toMatchObject({ 'content-type': 'text/html', 'content-length': '18', 'retry-after': '120', 'cache-control': 'no-store', 'x-served-by': 'switchyard' });
    const h = await rawExchange(router!.port, 'HEAD /maintenance HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(h).toMatch(/^HTTP\/1\.1 503 [^]*content-length: 18\r\n[^]*\r\n\r\n$/);
    // a body sent to it is not forwarded anywhere
    const p = await rawRequest(router!.port, { method: 'POST', target: '/maintenance', body: 'hello' });
    expect(p.status).toBe(503);
    expect(backend!.seen).toHaveLength(0);
    expect(records.map((r) => [r.route, r.pool, r.backend, r.status])).toEqual([
      ['maintenance', undefined, undefined, 503], ['maintenance', undefined, undefined, 503], ['maintenance', undefined, undefined, 503],
    ]);
    // the routes after it still forward
    expect((await get(router!.port, '/other')).headers['x-backend']).toBe('b');
  });

  it('204 goes out without a body or Content-Length, and the connection stays usable', async () => {
    await start([{ match: { path: '/ping' }, respond: { status: 204 } }]);
    const one = 'GET /ping HTTP/1.1\r\nHost: a\r\n\r\n';
    const text = await rawExchange(router!.port, one + one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    expect(text.match(/HTTP\/1\.1 204 /g)).toHaveLength(2);
    expect(text.toLowerCase()).not.toContain('content-length');
  });

  it('robots.txt: defaults to 200 text/plain; two answers on one kept-alive connection', async () => {
    await start([{ match: { path: '/robots.txt' }, respond: { body: 'User-agent: *\nDisallow: /\n' } }]);
    const one = 'GET /robots.txt HTTP/1.1\r\nHost: a\r\n\r\n';
    const text = await rawExchange(router!.port, one + one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    const a = first(text);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(a.body).toBe('User-agent: *\nDisallow: /\n');
    expect(text.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });
});

describe('HTTP/2', () => {
  it('a stream gets the same redirect and respond answers, {scheme} and all, and rewritten forwarding', async () => {
    backend = await echoBackend('b');
    router = await startRouter({
      listen: { host: '127.0.0.1', port: 0, http2: true },
      pools: { p: { scheduler: 'rr', backends: [backend.url] } },
      routes: [
        { match: { path: '/old/**' }, redirect: { to: '{scheme}://{host}/new{path}', status: 307 } },
        { match: { path: '/down' }, respond: { status: 503, body: 'later', headers: { 'retry-after': '60' } } },
        { match: { path: '/api/**' }, rewrite: { stripPrefix: '/api' }, headers: { response: { set: { 'x-api': '1' } } }, pool: 'p' },
      ],
    });
    const s = await h2session(router.port);
    try {
      const a = await h2req(s, { ':path': '/old/x?q=1', ':authority': 'shop.test' });
      expect([a.status, a.headers.location]).toEqual([307, 'http://shop.test/new/old/x?q=1']);
      const b = await h2req(s, { ':path': '/down', ':authority': 'shop.test' });
      expect([b.status, b.body, b.headers['retry-after'], b.headers['content-type']]).toEqual([503, 'later', '60', 'text/plain; charset=utf-8']);
      const c = await h2req(s, { ':path': '/api/users?id=1', ':authority': 'shop.test' });
      expect([c.status, (JSON.parse(c.body) as { url: string }).url, c.headers['x-api']]).toEqual([200, '/users?id=1', '1']);
    } finally {
      s.close();
    }
    expect(backend.seen).toHaveLength(1);
  });
});

describe('admin API', () => {
  it('GET /api/routes gives each route its action and details; POST /api/explain the answer', async () => {
    backend = await echoBackend('b');
    router = await startRouter({
      pools: { p: { backends: [backend.url] } },
      routes: [
        { name: 'down', match: { path: '/down' }, respond: { status: 503 } },
        { name: 'old', match: { path: '/old/**' }, redirect: { to: '/new{path}', status: 308 } },
        { name: 'api', match: { path: '/api/**' }, rewrite: { stripPrefix: '/api' }, maxBodySize: 10, pool: 'p' },
      ],
    });
    const admin = await buildAdmin(router.router, {});
    try {
      const routes = (await admin.app.inject({ method: 'GET', url: '/api/routes' })).json();
      expect(routes).toEqual([
        { index: 0, name: 'down', match: 'path ~ /down', action: 'respond 503' },
        { index: 1, name: 'old', match: 'path ~ /old/**', action: 'redirect 308 /new{path}' },
        { index: 2, name: 'api', pool: 'p', match: 'path ~ /api/**', action: 'pool p', details: 'rewrite strip /api; maxBodySize 10' },
      ]);
      const e = (await admin.app.inject({ method: 'POST', url: '/api/explain', payload: { method: 'GET', url: '/old/x?y=1' }, headers: { 'content-type': 'application/json' } })).json();
      expect(e).toMatchObject({ status: 308, route: { name: 'old' }, answer: { status: 308, location: '/new/old/x?y=1' } });
    } finally {
      await admin.close();
    }
  });
});
