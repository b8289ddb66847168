// HTTP/2 on `acceptProxy` listeners (docs/security.md "PROXY protocol and TLS"): the PROXY header
// comes first, then TLS with ALPN h2 or the h2c preface; every stream of the connection carries
// the client address from the header into X-Forwarded-For.
import { connect, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';
import { h2req } from './h2-client.js';
import { makePki, type Pki } from './pki.js';

let pki: Pki;
let echo: TestServer;
let clear: TestRouter;
let tls: TestRouter;

beforeAll(async () => {
  pki = makePki();
  const leaf = pki.leaf('a', ['a.test']);
  echo = await echoBackend('echo');
  const pools = { p: { backends: [echo.url] } };
  const routes = [{ pool: 'p' }];
  clear = await startRouter({ listen: { host: '127.0.0.1', port: 0, http2: true, acceptProxy: ['127.0.0.0/8'] }, pools, routes });
  tls = await startRouter({ listen: { host: '127.0.0.1', port: 0, acceptProxy: ['127.0.0.0/8'], tls: { cert: leaf.cert, key: leaf.key } }, pools, routes });
});

afterAll(async () => {
  await clear?.close();
  await tls?.close();
  await echo?.close();
  pki?.remove();
});

const V1 = (client: string, port: number) => `PROXY TCP4 ${client} 127.0.0.1 40000 ${port}\r\n`;

/** A node:http2 session whose connection sends `header` first (then TLS with ALPN h2 when `ca`). */
function session(port: number, header: string, ca?: string): Promise<ClientHttp2Session> {
  return new Promise((done, fail) => {
    const url = `${ca ? 'https' : 'http'}://127.0.0.1:${port}`;
    const s = connect(url, {
      createConnection: () => {
        const raw = netConnect({ host: '127.0.0.1', port });
        raw.write(header);
        return ca ? tlsConnect({ socket: raw, servername: 'a.test', ca: readFileSync(ca), ALPNProtocols: ['h2'] }) : raw;
      },
    });
    s.once('connect', () => done(s));
    s.once('error', fail);
  });
}

const xff = (body: string) => (JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-for'];

describe('HTTP/2 after a PROXY header', () => {
  it('h2c with prior knowledge: each stream has the PROXY client address in X-Forwarded-For', async () => {
    const s = await session(clear.port, V1('203.0.113.7', clear.port));
    const got = await Promise.all([h2req(s, { ':path': '/a' }), h2req(s, { ':path': '/b' })]);
    s.close();
    expect(got.map((g) => g.status)).toEqual([200, 200]);
    expect(got.map((g) => xff(g.body))).toEqual(['203.0.113.7', '203.0.113.7']);
  });

  it('TLS with ALPN h2 after the header: the streams carry the PROXY client address', async () => {
    const s = await session(tls.port, V1('198.51.100.9', tls.port), pki.ca);
    expect((s.socket as unknown as { alpnProtocol?: string }).alpnProtocol).toBe('h2');
    const got = await Promise.all([h2req(s, { ':path': '/a' }), h2req(s, { ':path': '/b' })]);
    s.close();
    expect(got.map((g) => g.status)).toEqual([200, 200]);
    expect(got.map((g) => xff(g.body))).toEqual(['198.51.100.9', '198.51.100.9']);
    expect(got.map((g) => (JSON.parse(g.body) as { headers: Record<string, string> }).headers['x-forwarded-proto'])).toEqual(['https', 'https']);
  });

  it('two connections with different PROXY addresses keep their own', async () => {
    const [a, b] = await Promise.all([session(clear.port, V1('192.0.2.1', clear.port)), session(clear.port, V1('192.0.2.2', clear.port))]);
    const [ga, gb] = await Promise.all([h2req(a!, { ':path': '/' }), h2req(b!, { ':path': '/' })]);
    a!.close();
    b!.close();
    expect([xff(ga.body), xff(gb.body)]).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});
