// `listen.redirectHttps` (docs/security.md, "TLS termination"): every request on the cleartext
// listener gets 308 to the same host and target on the HTTPS port, and nothing is forwarded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectTarget } from '../../src/listen/redirect.js';
import { echoBackend, rawExchange, rawRequest, startRouter, type TestRouter, type TestServer } from '../helpers.js';

let backend: TestServer & { seen: unknown[] };
let tr: TestRouter;

beforeAll(async () => {
  backend = await echoBackend('one');
  tr = await startRouter({
    listen: { host: '127.0.0.1', port: 0, redirectHttps: 8443 },
    pools: { p: { backends: [backend.url] } },
    routes: [{ pool: 'p' }],
  });
});

afterAll(async () => {
  await tr?.close();
  await backend?.close();
});

describe('redirectTarget', () => {
  it('keeps host (without its port), path and query; 443 is left out', () => {
    expect(redirectTarget('Example.COM:8080', '/a/b?x=1&y=2', 8443)).toBe('https://example.com:8443/a/b?x=1&y=2');
    expect(redirectTarget('example.com', '/', 443)).toBe('https://example.com/');
    expect(redirectTarget('[::1]:80', '/x', 8443)).toBe('https://[::1]:8443/x');
  });

  it('refuses what cannot make a safe Location', () => {
    expect(redirectTarget(undefined, '/', 443)).toBeUndefined();
    expect(redirectTarget('evil.com/x', '/', 443)).toBeUndefined();
    expect(redirectTarget('a.com@evil.com', '/', 443)).toBeUndefined();
    expect(redirectTarget('example.com', '//evil.com/', 443)).toBeUndefined();
    expect(redirectTarget('example.com', 'http://other/', 443)).toBeUndefined();
  });
});

describe('a redirectHttps listener', () => {
  it('answers 308 with the https Location for every method, and never forwards', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await rawRequest(tr.port, { method, target: '/shop/cart?item=7&q=a%20b', host: 'Shop.test:80', body: method === 'POST' ? 'x=1' : undefined });
      expect(res.status).toBe(308);
      expect(res.headers['location']).toBe('https://shop.test:8443/shop/cart?item=7&q=a%20b');
    }
    // a client that follows redirects is sent to the same path (fetch sets Host itself)
    const res = await fetch(`${tr.url}/p?q=1`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([308, `https://127.0.0.1:8443/p?q=1`]);
    expect(backend.seen).toHaveLength(0);
  });

  it('an Upgrade (WebSocket) request is redirected too, never tunnelled', async () => {
    const text = await rawExchange(tr.port, 'GET /chat HTTP/1.1\r\nHost: chat.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 308 /);
    expect(text).toContain('Location: https://chat.test:8443/chat\r\n');
    expect(backend.seen).toHaveLength(0);
  });

  it('a missing or duplicated Host gets 400, not a redirect', async () => {
    expect((await rawRequest(tr.port, { method: 'GET', target: '/', host: null, version: '1.0' })).status).toBe(400);
    expect((await rawExchange(tr.port, 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n')).slice(0, 12)).toBe('HTTP/1.1 400');
    expect((await rawRequest(tr.port, { method: 'GET', target: '/', host: 'a.test/x' })).status).toBe(400);
    expect(backend.seen).toHaveLength(0);
  });
});
