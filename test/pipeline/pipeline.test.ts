// The request pipeline (src/pipeline/admit.ts) called directly with plain inputs, no sockets;
// the same requests through a real router refuse and route alike; explain agrees with real
// requests. Snapshots: test/pipeline/snapshot.test.ts.
import { request } from 'node:http';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import type { Config } from '../../src/config/normalized.js';
import { admit, frontRules, type ClientConn, type RequestHead, type Routed } from '../../src/pipeline/admit.js';
import { decideAttempt, peekDecision } from '../../src/pipeline/decide.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';

function config(raw: Record<string, unknown>): Config {
  const { config, problems } = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, ...raw });
  if (!config) throw new Error('bad test config: ' + JSON.stringify(problems));
  return config;
}

const pools = (urls: Record<string, string[]>) => ({
  web: { scheduler: 'rr', backends: urls.web },
  api: { scheduler: 'sh', hashKey: 'client-ip', backends: urls.api },
  img: { scheduler: 'rr', affinity: 'cookie', backends: urls.img },
});
const routes = [
  { name: 'api-host', match: { host: 'api.test' }, pool: 'api' },
  { name: 'images', match: { mime: 'image/*' }, pool: 'img' },
  { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'api' },
  { name: 'posts', match: { method: 'POST', path: '/form/**' }, pool: 'img' },
  { name: 'static', match: { path: '/static/**' }, pool: 'web' },
  { name: 'root', match: { path: ['/', '/web/**'] }, pool: 'web' },
];
const listen = { host: '127.0.0.1', port: 0, trustProxy: ['10.0.0.0/8'], limits: { maxBodySize: 100, maxHeaderCount: 20 } };

/** A request head as a front end other than node:http would build it. */
function head(method: string, url: string, headers: [string, string][], version = '1.1'): RequestHead {
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) lower[k.toLowerCase()] = v;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return { method, url, httpVersionMajor: major, httpVersionMinor: minor, rawHeaders: headers.flat(), headers: lower };
}

const peer = (address: string, port = 4000): ClientConn => ({ address, port, socket: undefined });

/** The refusals of the pipeline, by the framing and path they come from. */
const many = Array.from({ length: 20 }, (_, i): [string, string] => [`X-H${i}`, '1']);
/** `parser`: node:http's own parser refuses it first on a real request: same status, answered as SY_ERR_BAD_REQUEST (listen/client-error.ts). */
const REFUSED: { name: string; method: string; url: string; headers: [string, string][]; version?: string; code: string; status: number; close: boolean; logged: boolean; parser?: boolean }[] = [
  { name: 'HTTP/2.0 on an HTTP/1 listener', method: 'GET', url: '/', headers: [['Host', 'a.test']], version: '2.0', code: 'SY_ERR_BAD_VERSION', status: 400, close: true, logged: false },
  { name: 'missing Host on 1.1', method: 'GET', url: '/', headers: [], code: 'SY_ERR_BAD_HOST', status: 400, close: true, logged: false },
  { name: 'Content-Length with Transfer-Encoding', method: 'POST', url: '/', headers: [['Host', 'a.test'], ['Content-Length', '3'], ['Transfer-Encoding', 'chunked']], code: 'SY_ERR_BAD_REQUEST', status: 400, close: true, logged: false, parser: true },
  { name: 'more than maxHeaderCount fields', method: 'GET', url: '/', headers: [['Host', 'a.test'], ...many], code: 'SY_ERR_TOO_MANY_HEADERS', status: 431, close: true, logged: false },
  { name: 'an encoded slash', method: 'GET', url: '/static/a%2Fb', headers: [['Host', 'a.test']], code: 'SY_ERR_BAD_PATH', status: 400, close: false, logged: false },
  { name: 'no route', method: 'GET', url: '/nowhere', headers: [['Host', 'a.test']], code: 'SY_ERR_NO_ROUTE', status: 404, close: false, logged: true },
  { name: 'a body over maxBodySize', method: 'POST', url: '/web/x', headers: [['Host', 'a.test'], ['Content-Length', '101']], code: 'SY_ERR_BODY_TOO_LARGE', status: 413, close: true, logged: true },
];

describe('pipeline: admit called directly', () => {
  let rt: Runtime;
  const rules = frontRules(config({ listen, pools: pools({ web: ['http://127.0.0.1:1'], api: ['http://127.0.0.1:2'], img: ['http://127.0.0.1:3'] }), routes }).listen[0]!, 'request');
  beforeAll(() => {
    rt = new Runtime(config({ listen, pools: pools({ web: ['http://127.0.0.1:1', 'http://127.0.0.2:1'], api: ['http://127.0.0.1:2', 'http://127.0.0.2:2'], img: ['http://127.0.0.1:3'] }), routes }), { logger: pino({ level: 'silent' }) });
  });
  afterAll(() => rt.release());

  for (const c of REFUSED) {
    it(`refuses ${c.name}: ${c.code}`, () => {
      const r = admit(rt.current, rt, rules, head(c.method, c.url, c.headers, c.version), peer('127.0.0.1'));
      expect(r.kind).toBe('refused');
      if (r.kind !== 'refused') return;
      expect([r.code, r.status, r.close, r.facts !== undefined]).toEqual([c.code, c.status, c.close, c.logged]);
    });
  }

  it('an upgrade with a body is refused before routing; the same request as a plain one is routed', () => {
    const h = head('GET', '/web/ws', [['Host', 'a.test'], ['Connection', 'upgrade'], ['Upgrade', 'websocket'], ['Content-Length', '5']]);
    const up = admit(rt.current, rt, frontRules(rt.current.config.listen[0]!, 'upgrade'), h, peer('127.0.0.1'));
    expect(up.kind === 'refused' && up.code).toBe('SY_ERR_BAD_REQUEST');
    expect(admit(rt.current, rt, rules, h, peer('127.0.0.1')).kind).toBe('routed');
  });

  it('routes: normalised path forwarded as matched, query kept, the snapshot it started with', () => {
    const r = admit(rt.current, rt, rules, head('GET', '/web/./a//b/../c?q=1', [['Host', 'a.test']]), peer('127.0.0.1', 5123)) as Routed;
    expect(r.kind).toBe('routed');
    expect([r.route.name, r.pool.name, r.facts.path, r.facts.search, r.snap]).toEqual(['root', 'web', '/web/a/c', '?q=1', rt.current]);
    expect([r.clientIp, r.peer, r.trusted, r.ctx.clientPort, r.aff]).toEqual(['127.0.0.1', '127.0.0.1', false, 5123, undefined]);
  });

  it('client address: X-Forwarded-For only from a trusted peer; the hash key is the client', () => {
    const h = head('GET', '/', [['Host', 'api.test'], ['X-Forwarded-For', '198.51.100.7, 10.1.1.1']]);
    const trusted = admit(rt.current, rt, rules, h, peer('10.2.2.2')) as Routed;
    expect([trusted.route.name, trusted.clientIp, trusted.peer, trusted.trusted, trusted.ctx.key]).toEqual(['api-host', '198.51.100.7', '10.2.2.2', true, '198.51.100.7']);
    const untrusted = admit(rt.current, rt, rules, h, peer('192.0.2.9')) as Routed;
    expect([untrusted.clientIp, untrusted.trusted, untrusted.ctx.key]).toEqual(['192.0.2.9', false, '192.0.2.9']);
  });

  it('a cookie-affinity pool gets its affinity input with the cookie value', () => {
    const r = admit(rt.current, rt, rules, head('GET', '/logo.png', [['Host', 'a.test'], ['Cookie', 'x=1']]), peer('127.0.0.1')) as Routed;
    expect([r.route.name, r.pool.name, r.aff?.core]).toEqual(['images', 'img', rt.affinity]);
  });

  it('decide per attempt: `avoid` skips the backend that failed; peek moves no cursor', () => {
    const h = head('GET', '/web/x', [['Host', 'a.test']]);
    const r = admit(rt.current, rt, rules, h, peer('127.0.0.1')) as Routed;
    const peeked = [peekDecision(r).backend!.id, peekDecision(r).backend!.id];
    expect(peeked[0]).toBe(peeked[1]);
    const first = decideAttempt(r, undefined).backend!;
    expect(first.id).toBe(peeked[0]);
    r.pool.end(first, 1, true, Date.now());
    const retry = decideAttempt(r, new Set([first.id])).backend!;
    expect(retry.id).not.toBe(first.id);
    r.pool.end(retry, 1, true, Date.now());
    expect(decideAttempt(r, new Set(r.pool.backends.map((b) => b.id))).backend).toBeNull();
  });
});

/** One raw request; the answer's status and error code (the connection is closed by us after). */
function send(port: number, bytes: string): Promise<{ status: number; code: string | undefined; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let buf = '';
    const t = setTimeout(() => done(false), 1500);
    const done = (closed: boolean) => {
      clearTimeout(t);
      s.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0);
      if (status === 0) return reject(new Error(`no answer: ${JSON.stringify(buf)}`));
      resolve({ status, code: /x-switchyard-error: (\S+)/i.exec(buf)?.[1], closed });
    };
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
    });
    s.on('close', () => done(true));
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

describe('pipeline: the node:http front end and explain agree with it', () => {
  let backends: Record<string, TestServer>;
  let r: TestRouter;
  const records: AccessRecord[] = [];
  beforeAll(async () => {
    backends = { web: await echoBackend('web'), api: await echoBackend('api'), img: await echoBackend('img') };
    r = await startRouter({ listen, pools: pools({ web: [backends.web!.url], api: [backends.api!.url], img: [backends.img!.url] }), routes });
    r.router.requestObservers.push((rec) => records.push(rec));
  });
  afterAll(async () => {
    await r.close();
    for (const b of Object.values(backends)) await b.close();
  });

  for (const c of REFUSED) {
    it(`a real request: ${c.name} → ${c.status} ${c.code}`, async () => {
      const lines = c.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
      const n = records.length;
      const a = await send(r.port, `${c.method} ${c.url} HTTP/${c.version ?? '1.1'}\r\n${lines}\r\n`);
      expect([a.status, a.code]).toEqual([c.status, c.parser ? 'SY_ERR_BAD_REQUEST' : c.code]);
      if (c.close) expect(a.closed).toBe(true);
      expect(records.slice(n).map((x) => x.error)).toEqual(c.logged ? [c.code] : []);
    });
  }

  const table: { method: string; url: string; headers: Record<string, string> }[] = [
    { method: 'GET', url: '/', headers: { host: 'a.test' } },
    { method: 'GET', url: '/web/page', headers: { host: 'a.test' } },
    { method: 'GET', url: '/x', headers: { host: 'api.test' } },
    { method: 'GET', url: '/API.TEST/logo.png', headers: { host: 'api.test:8080' } },
    { method: 'GET', url: '/static/logo.png', headers: { host: 'a.test' } },
    { method: 'GET', url: '/static/a.css', headers: { host: 'a.test' } },
    { method: 'GET', url: '/static/a', headers: { host: 'a.test', accept: 'image/webp' } },
    { method: 'GET', url: '/static/./b/../c.js', headers: { host: 'a.test', 'x-beta': '1' } },
    { method: 'POST', url: '/form/send', headers: { host: 'a.test', 'content-length': '0' } },
    { method: 'GET', url: '/form/send', headers: { host: 'a.test' } },
    { method: 'GET', url: '/web//deep/../x?y=1', headers: { host: 'a.test' } },
  ];
  it('explain and a real request pick the same route, pool and backend for every request of a table', async () => {
    const seen: string[] = [];
    for (const q of table) {
      const e = r.router.explain({ method: q.method, url: q.url, headers: q.headers });
      const n = records.length;
      const backend = await new Promise<string | undefined>((ok, fail) => {
        // node:http, not fetch: fetch does not send a Host header of its own choosing
        request({ port: r.port, host: '127.0.0.1', method: q.method, path: q.url, headers: q.headers, agent: false }, (res) => {
          res.resume();
          res.on('end', () => ok(res.headers['x-backend'] as string | undefined));
        }).on('error', fail).end();
      });
      const rec = records[n]!;
      expect([rec.route, rec.pool, rec.backend, backend, rec.status]).toEqual([e.route?.name, e.pool?.name, e.backend?.id, e.pool?.name, e.status]);
      seen.push(e.route?.name ?? 'none');
    }
    // the table reaches every route, and no route once (GET on the POST-only /form/**)
    expect(new Set(seen)).toEqual(new Set([...routes.map((x) => x.name), 'none']));
  });
});
