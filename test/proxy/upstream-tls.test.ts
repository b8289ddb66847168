// `pools.<name>.tls` for requests to https: backends (docs/security.md "Upstream TLS"): the pool's
// CA is trusted instead of the system store, the server name is the pool's (never the client's
// Host), a failed handshake is a connect failure (502, retried elsewhere, no request sent), and
// pools with different TLS settings never share a connection to one backend.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/proxy/records.js';
import { echoBackend, httpsBackend, makeCerts, rawRequest, startRouter, until, type TestCerts, type TestRouter } from '../helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function router(pools: Record<string, unknown>): Promise<TestRouter & { records: AccessRecord[] }> {
  const routes = Object.keys(pools).map((p) => ({ name: p, match: { path: `/${p}/**` }, pool: p }));
  const r = await startRouter({ pools, routes });
  cleanup.push(() => r.close());
  const records: AccessRecord[] = [];
  r.router.requestObservers.push((x) => records.push(x));
  return Object.assign(r, { records });
}

async function backend(which: 'signed' | 'untrusted', name?: string) {
  const b = await httpsBackend(certs[which], name);
  cleanup.push(() => b.close());
  return b;
}

/** A request with a client Host that names neither the backend nor its certificate. */
const get = (port: number, path: string) => rawRequest(port, { method: 'GET', target: path, host: 'shop.example' });

describe('upstream TLS', () => {
  it('(1) a backend signed by the pool CA is proxied; the SNI is the pool\'s, not the client\'s Host', async () => {
    const be = await backend('signed');
    const r = await router({
      byIp: { scheduler: 'rr', backends: [be.url], tls: { ca: certs.caFile } },
      byName: { scheduler: 'rr', backends: [be.url], tls: { ca: certs.caFile, servername: 'localhost' } },
    });
    const a = await get(r.port, '/byIp/a');
    expect(a).toMatchObject({ status: 200, body: 'tls-backend' });
    const b = await get(r.port, '/byName/b');
    expect(b).toMatchObject({ status: 200, body: 'tls-backend' });
    // an IP backend gets no SNI (its certificate is checked against the address); Host is forwarded as sent
    expect(be.seen).toEqual([
      { path: '/byIp/a', host: 'shop.example', servername: false },
      { path: '/byName/b', host: 'shop.example', servername: 'localhost' },
    ]);
  });

  it('(2) without tls.ca (the system store) the backend is refused: 502, no request reaches it, and another backend takes it', async () => {
    const be = await backend('signed');
    const plain = await echoBackend('plain');
    cleanup.push(() => plain.close());
    const r = await router({
      alone: { scheduler: 'rr', backends: [be.url] },
      // rr tries the TLS backend first for the first request
      pair: { scheduler: 'rr', backends: [be.url, plain.url], retries: 1 },
    });
    const a = await get(r.port, '/alone/x');
    expect(a.status).toBe(502);
    await until(() => r.records.length === 1, 2000, 'the access record');
    // a failed handshake is a connect failure: nothing was sent, so it may go elsewhere
    expect(r.records[0]).toMatchObject({ status: 502, error: 'SY_ERR_UPSTREAM_CONNECT', backend: be.id });
    const answers = [await get(r.port, '/pair/1'), await get(r.port, '/pair/2')];
    expect(answers.map((x) => x.status)).toEqual([200, 200]);
    await until(() => r.records.length === 3, 2000, 'the access records');
    expect(r.records.slice(1).map((x) => x.backend)).toEqual([`127.0.0.1:${plain.port}`, `127.0.0.1:${plain.port}`]);
    expect(r.records.slice(1).some((x) => x.attempts === 2)).toBe(true);
    expect(be.seen).toEqual([]);
  });

  it('(3) a server name the certificate does not carry is refused', async () => {
    const be = await backend('signed');
    const r = await router({ wrong: { scheduler: 'rr', backends: [be.url], tls: { ca: certs.caFile, servername: 'wrong.example' } } });
    expect((await get(r.port, '/wrong/x')).status).toBe(502);
    expect(be.seen).toEqual([]);
  });

  it('(4) rejectUnauthorized: false accepts a certificate nobody vouches for', async () => {
    const be = await backend('untrusted');
    const r = await router({
      lax: { scheduler: 'rr', backends: [be.url], tls: { rejectUnauthorized: false } },
      strict: { scheduler: 'rr', backends: [be.url], tls: { ca: certs.caFile } },
    });
    expect(await get(r.port, '/lax/x')).toMatchObject({ status: 200, body: 'tls-backend' });
    expect((await get(r.port, '/strict/x')).status).toBe(502);
    expect(be.seen.map((s) => s.path)).toEqual(['/lax/x']);
  });

  it('requests with different client Hosts share one connection (undici would take each Host as the server name)', async () => {
    const be = await backend('signed');
    let handshakes = 0;
    be.server.on('secureConnection', () => handshakes++);
    const r = await router({ p: { scheduler: 'rr', backends: [be.url], tls: { ca: certs.caFile, servername: 'localhost' } } });
    for (const host of ['a.example', 'b.example', 'c.example', 'a.example']) {
      expect(await rawRequest(r.port, { method: 'GET', target: '/p/x', host })).toMatchObject({ status: 200 });
    }
    expect(be.seen.map((s) => [s.host, s.servername])).toEqual([
      ['a.example', 'localhost'], ['b.example', 'localhost'], ['c.example', 'localhost'], ['a.example', 'localhost'],
    ]);
    expect(handshakes).toBe(1);
  });

  it('two pools with different TLS settings for one backend do not share its connections', async () => {
    const be = await backend('untrusted');
    const r = await router({
      lax: { scheduler: 'rr', backends: [be.url], tls: { rejectUnauthorized: false } },
      strict: { scheduler: 'rr', backends: [be.url] },
    });
    // keep-alive: the lax pool's connection stays open for the next request
    const keep = (path: string) => fetch(`${r.url}${path}`).then(async (res) => ({ status: res.status, body: await res.text() }));
    expect(await keep('/lax/1')).toEqual({ status: 200, body: 'tls-backend' });
    expect((await keep('/strict/2')).status).toBe(502);
    expect(await keep('/lax/3')).toEqual({ status: 200, body: 'tls-backend' });
    expect(be.seen.map((s) => s.path)).toEqual(['/lax/1', '/lax/3']);
  });
});
