// Who gets through the admin server, over real HTTP on 127.0.0.1 (raw sockets): the token on the
// route as routed, for every spelling of a path; the Host allow-list, the Origin check and
// JSON-only mutations of the token-less admin; GET /ping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type Fixture } from './fixture.js';
import { raw, type RawRequest } from './raw.js';

const TOKEN = 'access-token-0123456789';
const JSON_CT = { 'Content-Type': 'application/json' };

/** What a refused request must not have changed: backends, states, weights, config version, events. */
function watch(f: Fixture): { changed(): string[] } {
  const state = () => [...f.tr.router.pools.values()].flatMap((p) => p.backends.map((b) => `${p.name} ${b.id} ${b.state} ${b.configWeight}`)).concat(`v${f.tr.router.current.version}`);
  const before = state();
  const events: string[] = [];
  const off = f.tr.router.events.onAny((name) => {
    if (name !== 'stats.tick' && name !== 'health.check') events.push(name);
  });
  return {
    changed: () => {
      off();
      const now = state();
      return [...now.filter((s) => !before.includes(s)), ...before.filter((s) => !now.includes(s)).map((s) => `gone: ${s}`), ...events];
    },
  };
}

describe('with a token: authorisation on the route as routed, whatever the spelling', () => {
  let f: Fixture;
  let port: number;
  beforeAll(async () => {
    f = await fixture({ token: TOKEN });
    port = Number(new URL(f.admin.url).port);
  });
  afterAll(async () => {
    await f.close();
  });

  it('refuses every spelling of every API route without the token (401) and changes nothing', async () => {
    const id = f.html[0]!.id;
    const idEnc = id.replace(':', '%3A');
    const add = JSON.stringify({ url: 'http://127.0.0.1:9' });
    const table: RawRequest[] = [
      { method: 'DELETE', target: `/%61pi/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/api/%70ools/html/backends/${idEnc}` },
      { method: 'DELETE', target: `/%61%70%69/pools/html/backends/${id}?wait=0` },
      { method: 'DELETE', target: `http://x/api/pools/html/backends/${id}` },
      { method: 'DELETE', target: `http://127.0.0.1/api/pools/html/backends/${id}` },
      { method: 'DELETE', target: `http://127.0.0.1:${port}/%61pi/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/API/pools/html/backends/${id}` },
      { method: 'DELETE', target: `//api/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/api//pools/html/backends/${id}` },
      { method: 'DELETE', target: `/api/pools/html/backends/${id}/` },
      { method: 'DELETE', target: `/api%2Fpools%2Fhtml%2Fbackends%2F${id}` },
      { method: 'DELETE', target: `/api/pools/html/backends/${id};x` },
      { method: 'DELETE', target: `/api;/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/./api/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/x/../api/pools/html/backends/${id}` },
      { method: 'DELETE', target: `/%2561pi/pools/html/backends/${id}` },
      { method: 'POST', target: '/%61pi/pools/html/backends', body: add },
      { method: 'POST', target: '/api/pools/html/backends', body: add },
      { method: 'POST', target: 'http://x/api/pools/html/backends', body: add },
      { method: 'POST', target: '/Api/pools/html/backends', body: add },
      { method: 'PATCH', target: `/%61pi/pools/html/backends/${id}`, body: '{"state":"drain"}' },
      { method: 'PATCH', target: `http://localhost/api/pools/html/backends/${idEnc}`, body: '{"weight":0}' },
      { method: 'POST', target: '/%61pi/reload', body: '{}' },
      { method: 'POST', target: '/api/explain', body: '{"method":"GET","url":"/"}' },
      { method: 'GET', target: '/%6detrics' },
      { method: 'GET', target: '/metrics' },
      { method: 'GET', target: '/METRICS' },
      { method: 'GET', target: 'http://x/metrics' },
      { method: 'GET', target: 'http://x/api/status' },
      { method: 'GET', target: 'http://localhost/api/status' },
      { method: 'GET', target: '/api/st%61tus' },
      { method: 'GET', target: '/api/status/' },
      { method: 'GET', target: '/api/status;.js' },
      { method: 'GET', target: '/api/status%3B.css' },
      { method: 'GET', target: '/%61pi/events' },
      { method: 'GET', target: 'http://x/api/events' },
      { method: 'GET', target: '/api/pools/html' },
      { method: 'GET', target: '/api/affinity' },
      { method: 'GET', target: '/vendor/uplot/../../../api/status' },
      { method: 'HEAD', target: '/%61pi/status' },
      { method: 'HEAD', target: '/metrics' },
      { method: 'OPTIONS', target: '/api/status' },
      { method: 'OPTIONS', target: '*' },
    ];
    const w = watch(f);
    const got: string[] = [];
    for (const r of table) {
      const a = await raw(port, { ...r, headers: r.body === undefined ? {} : JSON_CT });
      got.push(`${r.method} ${r.target} → ${a.status}`);
      if (r.method !== 'HEAD') expect(JSON.parse(a.body), `${r.method} ${r.target}`).toMatchObject({ statusCode: 401, error: expect.stringMatching(/token/) });
    }
    expect(got).toEqual(table.map((r) => `${r.method} ${r.target} → 401`));
    expect(w.changed()).toEqual([]);
    expect(f.admin.events.size).toBe(0);
  });

  it('the same spellings with the token reach the route they decode to', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const st = await raw(port, { method: 'GET', target: '/%61pi/st%61tus', headers: auth });
    expect([st.status, JSON.parse(st.body).name]).toEqual([200, 'switchyard']);
    const abs = await raw(port, { method: 'GET', target: 'http://127.0.0.1/api/status', headers: auth });
    expect(abs.status).toBe(200);
    expect((await raw(port, { method: 'GET', target: '/%6detrics', headers: auth })).body).toMatch(/^switchyard_config_version 1$/m);
  });

  it('serves only the allow-listed routes without the token: dashboard files, uPlot, GET /ping', async () => {
    for (const [method, target] of [['GET', '/'], ['GET', '/index.html'], ['GET', '/app.js'], ['HEAD', '/style.css'], ['GET', '/vendor/uplot/uPlot.esm.js'], ['GET', '/ping'], ['HEAD', '/ping']] as const) {
      expect((await raw(port, { method, target })).status, `${method} ${target}`).toBe(200);
    }
    const ping = await raw(port, { method: 'GET', target: '/ping' });
    expect([ping.body, ping.headers['content-type']]).toEqual(['ok', 'text/plain; charset=utf-8']);
    // a public path with another method is no public route
    expect((await raw(port, { method: 'POST', target: '/ping', headers: JSON_CT, body: '{}' })).status).toBe(401);
    expect((await raw(port, { method: 'GET', target: '/nothing.html' })).status).toBe(401);
  });
});

describe('without a token: Host allow-list, Origin check, JSON-only mutations', () => {
  let f: Fixture;
  let port: number;
  let own: string;
  beforeAll(async () => {
    f = await fixture({ allowedHosts: ['admin.test'] });
    port = Number(new URL(f.admin.url).port);
    own = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await f.close();
  });

  it('accepts loopback names and addresses and allowedHosts, with or without a port', async () => {
    for (const host of [own, '127.0.0.1', 'localhost', `LocalHost:${port}`, '127.5.6.7:1', '[::1]', `[::1]:${port}`, 'admin.test', 'ADMIN.test:8443']) {
      expect((await raw(port, { method: 'GET', target: '/api/status', host })).status, host).toBe(200);
    }
  });

  it('refuses any other Host (403), a missing one (400) and an absolute-form target naming another host', async () => {
    const w = watch(f);
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.', 'localhost.evil.example', '127.0.0.1.nip.io', 'admin.test.evil.example', '10.0.0.1', '[::2]']) {
      for (const r of [
        { method: 'GET', target: '/api/status' },
        { method: 'GET', target: '/' },
        { method: 'GET', target: '/metrics' },
        { method: 'GET', target: '/api/events' },
        { method: 'POST', target: '/api/pools/html/backends', headers: JSON_CT, body: '{"url":"http://127.0.0.1:9"}' },
        { method: 'DELETE', target: `/api/pools/html/backends/${f.html[0]!.id}`, headers: JSON_CT },
      ]) {
        const a = await raw(port, { ...r, host });
        expect(a.status, `${host} ${r.method} ${r.target}`).toBe(403);
        expect(JSON.parse(a.body).error).toMatch(/not allowed/);
      }
    }
    for (const host of [null, '', 'a b', 'user@127.0.0.1']) {
      expect((await raw(port, { method: 'GET', target: '/api/status', host, version: '1.0' })).status, String(host)).toBe(400);
    }
    expect((await raw(port, { method: 'GET', target: 'http://evil.example/api/status' })).status).toBe(403);
    expect(w.changed()).toEqual([]);
  });

  it('refuses a foreign Origin (403), and cross-site fetches of the API; its own origin is fine', async () => {
    const w = watch(f);
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://evil.example:${port}`, `http://localhost:${port}`]) {
      for (const r of [
        { method: 'POST', target: '/api/reload', headers: { Origin: origin, ...JSON_CT }, body: '{}' },
        { method: 'GET', target: '/api/events', headers: { Origin: origin } },
        { method: 'GET', target: '/app.js', headers: { Origin: origin } },
      ]) expect((await raw(port, r)).status, `${origin} ${r.target}`).toBe(403);
    }
    expect((await raw(port, { method: 'GET', target: '/api/status', headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403);
    expect((await raw(port, { method: 'GET', target: '/api/status', headers: { 'Sec-Fetch-Site': 'same-site' } })).status).toBe(403);
    // a link from elsewhere may still open the dashboard
    expect((await raw(port, { method: 'GET', target: '/', headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(200);
    expect(w.changed()).toEqual([]);
    for (const origin of [`http://${own}`, `HTTP://${own}`]) {
      expect((await raw(port, { method: 'GET', target: '/api/status', headers: { Origin: origin, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    }
    expect((await raw(port, { method: 'GET', target: '/api/status', host: 'localhost:80', headers: { Origin: 'http://localhost' } })).status).toBe(200);
    expect((await raw(port, { method: 'GET', target: '/api/status', host: 'admin.test', headers: { Origin: 'https://admin.test' } })).status).toBe(200);
  });

  it('takes mutations only as JSON (415), even without a body; JSON ones go through', async () => {
    const id = f.html[1]!.id;
    const w = watch(f);
    const cases: RawRequest[] = [
      { method: 'POST', target: '/api/pools/html/backends', headers: { 'Content-Type': 'text/plain' }, body: '{"url":"http://127.0.0.1:9"}' },
      { method: 'POST', target: '/api/pools/html/backends', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'url=http://127.0.0.1:9' },
      { method: 'POST', target: '/api/pools/html/backends', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' },
      { method: 'POST', target: '/api/pools/html/backends', body: '{"url":"http://127.0.0.1:9"}' },
      { method: 'POST', target: '/api/pools/html/backends', headers: { 'Content-Type': 'application/jsonx' }, body: '{"url":"http://127.0.0.1:9"}' },
      { method: 'PATCH', target: `/api/pools/html/backends/${id}`, headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: '{"state":"drain"}' },
      { method: 'DELETE', target: `/api/pools/html/backends/${id}?wait=0` },
      { method: 'POST', target: '/api/reload' },
      { method: 'PUT', target: '/api/reload' },
    ];
    for (const r of cases) {
      const a = await raw(port, r);
      expect(a.status, `${r.method} ${r.target} ${JSON.stringify(r.headers)}`).toBe(415);
      expect(JSON.parse(a.body)).toEqual({ error: `${r.method} needs Content-Type: application/json`, statusCode: 415, code: 'SY_ERR_ADMIN_CONTENT_TYPE', path: 'headers.content-type' });
    }
    expect(w.changed()).toEqual([]);
    const ok = await raw(port, { method: 'PATCH', target: `/api/pools/html/backends/${id}`, headers: { 'Content-Type': 'Application/JSON; charset=utf-8', Origin: `http://${own}` }, body: '{"state":"drain"}' });
    expect(ok.status).toBe(200);
    expect(f.tr.router.pools.get('html')!.get(id)!.state).toBe('drain');
    expect((await raw(port, { method: 'PATCH', target: `/api/pools/html/backends/${id}`, headers: JSON_CT, body: '{"state":"active"}' })).status).toBe(200);
    // a JSON mutation without a body: 409 comes from the route (no config file), so it got there
    expect((await raw(port, { method: 'POST', target: '/api/reload', headers: JSON_CT })).status).toBe(409);
  });

  it('GET /ping answers 200 ok', async () => {
    const a = await raw(port, { method: 'GET', target: '/ping', host: 'localhost' });
    expect([a.status, a.body]).toEqual([200, 'ok']);
  });
});

describe('with a token and a non-loopback bind', () => {
  it('takes any Host (the token guards it) but still checks Origin and JSON', async () => {
    // built, not listening: the bind address only decides the policy
    const f = await fixture({ listen: false, token: TOKEN, host: '0.0.0.0' });
    try {
      const headers = { authorization: `Bearer ${TOKEN}`, host: 'admin.example.net:9090' };
      expect((await f.admin.app.inject({ method: 'GET', url: '/api/status', headers })).statusCode).toBe(200);
      expect((await f.admin.app.inject({ method: 'GET', url: '/api/status', headers: { ...headers, origin: 'http://evil.example' } })).statusCode).toBe(403);
      expect((await f.admin.app.inject({ method: 'POST', url: '/api/reload', headers: { ...headers, 'content-type': 'text/plain' }, payload: '{}' })).statusCode).toBe(415);
    } finally {
      await f.close();
    }
  });
});
