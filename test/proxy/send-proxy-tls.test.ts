// sendProxy towards an https: backend: the PROXY header goes first, in clear, then TLS on the same
// connection, verified with the pool's `tls` (src/proxy-protocol/upstreams.ts proxyThenTls).
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProxyHeader } from '../../src/proxy-protocol/accept.js';
import { httpsBackend, makeCerts, startRouter, type HttpsBackend, type TestCerts, type TestRouter } from '../helpers.js';

let certs: TestCerts;
let backend: HttpsBackend;
let front: Server;
let frontUrl: string;
const sources: string[] = [];
let router: TestRouter | undefined;

beforeAll(async () => {
  certs = makeCerts();
  backend = await httpsBackend(certs.signed, 'behind-proxy');
  // a PROXY-protocol front: read the header in clear, then hand the socket to the TLS server
  front = createServer({ pauseOnConnect: true }, (s) => {
    readProxyHeader(s).then((h) => {
      sources.push(h.ends?.source.address ?? '?');
      backend.server.emit('connection', s);
      s.resume();
    }, () => s.destroy());
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
  frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await router?.close();
  await new Promise<void>((r) => front.close(() => r()));
  await backend.close();
  certs.remove();
});

describe('sendProxy to an https: backend', () => {
  it('sends the PROXY header before the TLS handshake and verifies the backend with the pool CA', async () => {
    router = await startRouter({
      pools: { p: { scheduler: 'rr', sendProxy: 'v1', tls: { ca: certs.caFile }, backends: [frontUrl] } },
      routes: [{ pool: 'p' }],
    });
    const r = await fetch(`${router.url}/through`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('behind-proxy');
    expect(sources).toEqual(['127.0.0.1']);
    expect(backend.seen.map((s) => s.path)).toEqual(['/through']);
  });
});
