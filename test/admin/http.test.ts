// The admin server over real HTTP on 127.0.0.1: the token rule, server-sent events, /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBind, isLoopback, tokenMatches } from '../../src/admin/auth.js';
import { startAdmin } from '../../src/admin/server.js';
import { raw } from '../helpers.js';
import { fixture, traffic, type Fixture } from './fixture.js';

const TOKEN = 'test-token-0123456789';

describe('token rule (units)', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', '128.0.0.1', 'example.com']) expect(isLoopback(h), h).toBe(false);
  });
  it('refuses a non-loopback bind without a token', () => {
    expect(() => checkBind('0.0.0.0', undefined)).toThrow(/refusing to listen on non-loopback address 0\.0\.0\.0 without a token/);
    expect(() => checkBind('::', '')).toThrow(/without a token/);
    expect(() => checkBind('0.0.0.0', TOKEN)).not.toThrow();
    expect(() => checkBind('127.0.0.1', undefined)).not.toThrow();
  });
  it('compares bearer tokens exactly', () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`bearer  ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(false);
    expect(tokenMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(tokenMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN)).toBe(false);
    expect(tokenMatches('Bearer ', TOKEN)).toBe(false);
  });
  it('startAdmin refuses 0.0.0.0 without a token before binding anything', async () => {
    const f = await fixture({ listen: false });
    try {
      await expect(startAdmin(f.tr.router, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/without a token/);
    } finally {
      await f.close();
    }
  });
});

describe('with a token, over HTTP', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ token: TOKEN, tickMs: 200 });
  });
  afterAll(async () => {
    await f.close();
  });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('listens on loopback and refuses API calls without the right token (401)', async () => {
    expect(f.admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const [path, headers] of [['/api/status', {}], ['/api/pools', { authorization: 'Bearer wrong-token-0123456789' }], ['/metrics', {}], ['/api/events', { authorization: TOKEN }]] as const) {
      const r = await fetch(f.admin.url + path, { headers });
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await r.json()).error).toMatch(/token/);
    }
    const patch = await fetch(`${f.admin.url}/api/pools/html/backends/${f.html[0]!.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"state":"drain"}' });
    expect(patch.status).toBe(401);
    expect(f.tr.router.pools.get('html')!.get(f.html[0]!.id)!.state).toBe('active');
    const ok = await fetch(f.admin.url + '/api/status', { headers: auth });
    expect(ok.status).toBe(200);
    expect((await ok.json()).auth).toBe(true);
  });

  it('serves the dashboard page and its files without a token', async () => {
    const page = await fetch(f.admin.url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    for (const p of ['/app.js', '/style.css', '/vendor/uplot/uPlot.esm.js', '/vendor/uplot/uPlot.min.css']) {
      expect((await fetch(f.admin.url + p)).status, p).toBe(200);
    }
    // not a public route: with a token, no answer says more than 401
    expect((await fetch(f.admin.url + '/vendor/uplot/../../package.json')).status).toBe(401);
    expect((await fetch(f.admin.url + '/vendor/uplot/uPlot.cjs.js')).status).toBe(404);
    const ping = await fetch(f.admin.url + '/ping');
    expect([ping.status, await ping.text()]).toEqual([200, 'ok']);
  });

  it('streams a stats tick and a backend state change as server-sent events', async () => {
    const ctrl = new AbortController();
    const res = await fetch(f.admin.url + '/api/events', { headers: auth, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen: { event: string; data: Record<string, unknown> }[] = [];
    let buf = '';
    const until = async (pred: (e: { event: string; data: Record<string, unknown> }) => boolean) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no such event; saw ${seen.map((e) => e.event).join(', ')}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) seen.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    };
    await until((e) => e.event === 'hello');
    await traffic(f.tr.url, ['/img/1.png', '/'], 3);
    const tick = await until((e) => e.event === 'stats.tick' && (e.data.pools as Record<string, { requests: number }>).images!.requests > 0);
    const pools = tick.data.pools as Record<string, { rps: number; backends: Record<string, { state: string }> }>;
    expect(Object.keys(pools)).toEqual(['html', 'images', 'cgi']);
    expect(Object.keys(pools.images!.backends)).toEqual(f.images.map((b) => b.id));
    await until((e) => e.event === 'affinity');
    const id = f.html[1]!.id;
    const r = await fetch(`${f.admin.url}/api/pools/html/backends/${id}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'drain' }) });
    expect(r.status).toBe(200);
    const change = await until((e) => e.event === 'backend.state');
    expect(change.data).toMatchObject({ pool: 'html', backend: id, from: 'active', to: 'drain' });
    // the first tick streamed after the change shows it
    const after = await until((e) => e.event === 'stats.tick' && seen.indexOf(e) > seen.indexOf(change));
    expect((after.data.pools as typeof pools).html!.backends[id]).toMatchObject({ state: 'drain' });
    ctrl.abort();
    await fetch(`${f.admin.url}/api/pools/html/backends/${id}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'active' }) });
    // the stream's client is forgotten once it leaves
    for (let i = 0; i < 50 && f.admin.events.size > 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(f.admin.events.size).toBe(0);
  });

  it('GET /metrics: requests by route/pool/backend/class, latency histogram, state, weight, cache, affinity', async () => {
    await traffic(f.tr.url, ['/img/9.png', '/img/9.png', '/page/1.html'], 2);
    await traffic(f.tr.url, ['/cgi-bin/x']); // one client pin (cgi has client affinity)
    const held = [await raw(f.tr.port), await raw(f.tr.port)]; // two idle connections
    await fetch(`${f.admin.url}/api/pools/images/backends/${f.images[1]!.id}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: '{"state":"drain"}' });
    const r = await fetch(f.admin.url + '/metrics', { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const value = (re: RegExp) => {
      const m = text.split('\n').find((l) => re.test(l));
      expect(m, String(re)).toBeDefined();
      return Number(m!.split(' ').pop());
    };
    const b0 = f.images[0]!.id;
    const b1 = f.images[1]!.id;
    const served = value(new RegExp(`^switchyard_requests_total\\{route="images",pool="images",backend="${b0}",code="2xx"\\} `)) +
      value(new RegExp(`^switchyard_requests_total\\{route="images",pool="images",backend="${b1}",code="2xx"\\} `));
    expect(served).toBe(f.tr.router.pools.get('images')!.backends.reduce((n, b) => n + b.requests, 0));
    expect(text).toMatch(/^# TYPE switchyard_request_duration_seconds histogram$/m);
    const count = value(new RegExp(`^switchyard_request_duration_seconds_count\\{route="images",pool="images",backend="${b0}"\\} `));
    expect(value(new RegExp(`^switchyard_request_duration_seconds_bucket\\{route="images",pool="images",backend="${b0}",le="\\+Inf"\\} `))).toBe(count);
    expect(value(new RegExp(`^switchyard_backend_state\\{pool="images",backend="${b1}",state="drain"\\} `))).toBe(1);
    expect(value(new RegExp(`^switchyard_backend_state\\{pool="images",backend="${b1}",state="active"\\} `))).toBe(0);
    expect(value(new RegExp(`^switchyard_backend_weight\\{pool="images",backend="${b1}"\\} `))).toBe(0);
    expect(value(new RegExp(`^switchyard_backend_weight\\{pool="images",backend="${b0}"\\} `))).toBe(2);
    expect(value(new RegExp(`^switchyard_backend_up\\{pool="images",backend="${b0}"\\} `))).toBe(1);
    const hits = value(new RegExp(`^switchyard_backend_cache_total\\{pool="images",backend="${b0}",result="hit"\\} `));
    expect(hits).toBe(f.images[0]!.cache.hits);
    expect(value(/^switchyard_active_requests\{pool="html",backend=/)).toBe(0);
    expect(value(/^switchyard_open_connections /)).toBeGreaterThanOrEqual(held.length);
    for (const c of held) c.socket.destroy();
    expect(value(/^switchyard_affinity_entries\{kind="all"\} /)).toBe(1);
    expect(text).toMatch(/^switchyard_affinity_lookups_total\{result="hit"\} /m);
    expect(text).toMatch(/^switchyard_config_version 1$/m);
    expect(text).toMatch(/^switchyard_process_resident_memory_bytes /m);
  });
});
