// Request IDs (src/proxy/request-id.ts) through real sockets: kept when valid, made otherwise,
// forwarded, echoed (answers, refusals after matching, errors), in the access record; on
// HTTP/1.1, HTTP/2 (h2c) and upgrades; `requestId: false` turns it off.
import { connect as h2connect } from 'node:http2';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, validId } from '../../src/proxy/request-id.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { echoBackend, raw, rawRequest, refusedPort, startRouter, until, type TestRouter } from '../helpers.js';

type Echo = Awaited<ReturnType<typeof echoBackend>>;

const seenId = (be: Echo) => be.seen[be.seen.length - 1]!.headers['x-request-id'];

describe('request IDs', () => {
  let be: Echo;
  let r: TestRouter;
  let off: TestRouter;
  let h2: TestRouter;
  const records: AccessRecord[] = [];
  let up: Server;
  let upHeads: string[];
  beforeAll(async () => {
    be = await echoBackend('a');
    const dead = await refusedPort();
    upHeads = [];
    up = createServer((s: Socket) => {
      s.on('error', () => undefined);
      s.once('data', (d: Buffer) => {
        upHeads.push(d.toString('latin1'));
        s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      });
    });
    await new Promise<void>((ok) => up.listen(0, '127.0.0.1', () => ok()));
    const upUrl = `http://127.0.0.1:${(up.address() as AddressInfo).port}`;
    const pools = { web: { scheduler: 'rr', backends: [be.url] }, dead: { backends: [`http://127.0.0.1:${dead}`], retries: 0 }, ws: { backends: [upUrl] } };
    const routes = [
      { name: 'limited', match: { path: '/limited' }, pool: 'web', rateLimit: { rate: 1, per: 'minute', burst: 1 } },
      { name: 'dead', match: { path: '/dead' }, pool: 'dead' },
      { name: 'ws', match: { path: '/ws' }, pool: 'ws' },
      { name: 'web', match: { path: '/app/**' }, pool: 'web' },
    ];
    r = await startRouter({ pools, routes });
    r.router.requestObservers.push((x) => records.push(x));
    off = await startRouter({ pools, routes, requestId: false });
    h2 = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true }, pools, routes, requestId: { header: 'X-Trace' } });
  });
  afterAll(async () => {
    await Promise.all([r.close(), off.close(), h2.close()]);
    await be.close();
    await new Promise<void>((ok) => up.close(() => ok()));
  });

  it('makes an ID when there is none: forwarded, echoed, logged; each request its own', async () => {
    const a = await rawRequest(r.port, { method: 'GET', target: '/app/1' });
    const id = a.headers['x-request-id']!;
    expect(validId(id)).toBe(true);
    expect(seenId(be)).toBe(id);
    const b = await rawRequest(r.port, { method: 'GET', target: '/app/1' });
    expect(b.headers['x-request-id']).not.toBe(id);
    await until(() => records.some((x) => x.requestId === id), 2000, 'the access record');
  });

  it('keeps a valid client ID; replaces one that is too long, has bad characters or is duplicated', async () => {
    const a = await rawRequest(r.port, { method: 'GET', target: '/app/2', headers: { 'X-Request-Id': 'abc-123_DEF.4' } });
    expect(a.headers['x-request-id']).toBe('abc-123_DEF.4');
    expect(seenId(be)).toBe('abc-123_DEF.4');
    for (const bad of ['x'.repeat(129), 'has space', 'semi;colon', 'caf\u00e9']) {
      const b = await rawRequest(r.port, { method: 'GET', target: '/app/2', headers: { 'X-Request-Id': bad } });
      expect(b.status).toBe(200);
      expect(b.headers['x-request-id']).not.toBe(bad);
      expect(validId(b.headers['x-request-id']!)).toBe(true);
      // the backend gets the new one only, never the client's
      expect(seenId(be)).toBe(b.headers['x-request-id']);
    }
    const c = await raw(r.port, { first: 'GET /app/3 HTTP/1.1\r\nHost: t\r\nX-Request-Id: one\r\nX-Request-Id: two\r\nConnection: close\r\n\r\n' });
    await c.closed;
    const echoed = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(c.text())?.[1];
    expect(echoed).toBeDefined();
    expect(['one', 'two', 'one, two']).not.toContain(echoed);
    expect(be.seen[be.seen.length - 1]!.rawHeaders.filter((h) => h.toLowerCase() === 'x-request-id')).toHaveLength(1);
  });

  it('is echoed on refusals after matching (404, 429) and on proxy errors (502), and logged', async () => {
    const nf = await rawRequest(r.port, { method: 'GET', target: '/nowhere', headers: { 'X-Request-Id': 'nf-1' } });
    expect(nf.status).toBe(404);
    expect(nf.headers['x-request-id']).toBe('nf-1');
    await rawRequest(r.port, { method: 'GET', target: '/limited' });
    const lim = await rawRequest(r.port, { method: 'GET', target: '/limited', headers: { 'X-Request-Id': 'lim-1' } });
    expect(lim.status).toBe(429);
    expect(lim.headers['x-request-id']).toBe('lim-1');
    const dead = await rawRequest(r.port, { method: 'GET', target: '/dead', headers: { 'X-Request-Id': 'dead-1' } });
    expect(dead.status).toBe(502);
    expect(dead.headers['x-request-id']).toBe('dead-1');
    await until(() => ['nf-1', 'lim-1', 'dead-1'].every((id) => records.some((x) => x.requestId === id)), 2000, 'access records');
  });

  it('requestId: false sends and forwards nothing of its own', async () => {
    const a = await rawRequest(off.port, { method: 'GET', target: '/app/1' });
    expect(a.headers['x-request-id']).toBeUndefined();
    expect(seenId(be)).toBeUndefined();
  });

  it('HTTP/2: made, forwarded and echoed under the configured header name', async () => {
    const s = h2connect(`http://127.0.0.1:${h2.port}`);
    try {
      const got = await new Promise<Record<string, unknown>>((ok, fail) => {
        const st = s.request({ ':path': '/app/h2', 'x-trace': 'h2-given' });
        st.on('response', (h) => ok(h));
        st.on('error', fail);
        st.resume();
        st.end();
      });
      expect(got['x-trace']).toBe('h2-given');
      expect(be.seen[be.seen.length - 1]!.headers['x-trace']).toBe('h2-given');
      const made = await new Promise<Record<string, unknown>>((ok, fail) => {
        const st = s.request({ ':path': '/nowhere' });
        st.on('response', (h) => ok(h));
        st.on('error', fail);
        st.resume();
        st.end();
      });
      expect(made[':status']).toBe(404);
      expect(validId(String(made['x-trace']))).toBe(true);
    } finally {
      s.close();
    }
  });

  it('upgrades: the backend gets the ID and the 101 carries it', async () => {
    const c = await raw(r.port, { first: 'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Request-Id: ws-1\r\n\r\n' });
    await until(() => /\r\n\r\n/.test(c.text()), 2000, 'the 101');
    expect(c.text()).toMatch(/^HTTP\/1\.1 101 /);
    expect(c.text()).toMatch(/\r\nx-request-id: ws-1\r\n/i);
    expect(upHeads[upHeads.length - 1]).toMatch(/\r\nx-request-id: ws-1\r\n/i);
    c.socket.destroy();
    const d = await raw(r.port, { first: 'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n' });
    await until(() => /\r\n\r\n/.test(d.text()), 2000, 'the 101');
    const made = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(d.text())?.[1];
    expect(made !== undefined && validId(made)).toBe(true);
    expect(upHeads[upHeads.length - 1]).toContain(`x-request-id: ${made}`);
    d.socket.destroy();
  });

  it('makes IDs fast: a million in well under a second', () => {
    const t0 = performance.now();
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) {
      const id = newId();
      if (i % 1000 === 0) seen.add(id);
    }
    expect(seen.size).toBe(1000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
