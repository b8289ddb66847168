// TLS termination on a listener (docs/security.md, "TLS termination"): SNI picks the certificate,
// minVersion refuses old clients, requests take the same pipeline with X-Forwarded-Proto https,
// HSTS when configured, and a PROXY-protocol listener runs TLS after the header.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';
import { makePki, type Leaf, type Pki } from './pki.js';
import { handshake, httpsGet } from './tls-client.js';

let pki: Pki;
let a: Leaf, b: Leaf, wild: Leaf;
let backend: TestServer & { seen: import('node:http').IncomingMessage[] };
let tr: TestRouter;

beforeAll(async () => {
  pki = makePki();
  a = pki.leaf('a', ['a.test']);
  b = pki.leaf('b', ['b.test', 'www.b.test']);
  wild = pki.leaf('wild', ['*.w.test']);
  backend = await echoBackend('one');
  tr = await startRouter({
    listen: { host: '127.0.0.1', port: 0, tls: { certs: [a, b, wild].map(({ cert, key }) => ({ cert, key })) }, hsts: { maxAge: 600, includeSubDomains: true } },
    pools: { p: { backends: [backend.url] } },
    routes: [{ pool: 'p' }],
  });
});

afterAll(async () => {
  await tr?.close();
  await backend?.close();
  pki?.remove();
});

describe('SNI', () => {
  it('serves the certificate whose names match; the first is the default', async () => {
    expect((await handshake(tr.port, { servername: 'a.test' })).serial).toBe(a.serial);
    expect((await handshake(tr.port, { servername: 'b.test' })).serial).toBe(b.serial);
    expect((await handshake(tr.port, { servername: 'WWW.B.TEST' })).serial).toBe(b.serial);
    // a wildcard covers exactly one label
    expect((await handshake(tr.port, { servername: 'x.w.test' })).serial).toBe(wild.serial);
    expect((await handshake(tr.port, { servername: 'y.x.w.test' })).serial).toBe(a.serial);
    expect((await handshake(tr.port, { servername: 'w.test' })).serial).toBe(a.serial);
    // unknown name, and no SNI at all: the default
    expect((await handshake(tr.port, { servername: 'unknown.test' })).serial).toBe(a.serial);
    expect((await handshake(tr.port, {})).serial).toBe(a.serial);
  });

  it('a client that verifies against the CA accepts each name', async () => {
    for (const name of ['a.test', 'www.b.test', 'img.w.test']) {
      const r = await httpsGet(tr.port, '/', pki.ca, name);
      expect(r.status).toBe(200);
    }
  });
});

describe('minVersion', () => {
  // OpenSSL refuses TLS 1.1 at its default security level on either side; level 0 lets the client offer it
  const old = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

  it('a TLS 1.1 client is refused by default (TLSv1.2)', async () => {
    const r = await handshake(tr.port, { servername: 'a.test', ...old });
    expect(r.serial).toBeUndefined();
    expect(r.error).toBeDefined();
    expect((await handshake(tr.port, { servername: 'a.test', maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
  });

  it('the same TLS 1.1 client completes a handshake with a server that allows it (the client is able to)', async () => {
    const s = createTlsServer({ cert: readFileSync(a.cert), key: readFileSync(a.key), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (c) => c.end());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await handshake((s.address() as AddressInfo).port, { servername: 'a.test', ...old });
      expect(r.protocol).toBe('TLSv1.1');
    } finally {
      s.close();
    }
  });

  it("minVersion 'TLSv1.3' refuses a TLS 1.2 client", async () => {
    const t13 = await startRouter({
      listen: { host: '127.0.0.1', port: 0, tls: { cert: a.cert, key: a.key, minVersion: 'TLSv1.3' } },
      pools: { p: { backends: [backend.url] } }, routes: [{ pool: 'p' }],
    });
    try {
      expect((await handshake(t13.port, { maxVersion: 'TLSv1.2' })).error).toBeDefined();
      expect((await handshake(t13.port, {})).protocol).toBe('TLSv1.3');
    } finally {
      await t13.close();
    }
  });
});

describe('requests over TLS', () => {
  it('go through the pipeline with X-Forwarded-Proto https and the HSTS header', async () => {
    const r = await httpsGet(tr.port, '/x?y=1', pki.ca, 'a.test');
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/x?y=1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(r.headers['strict-transport-security']).toBe('max-age=600; includeSubDomains');
  });

  it('refusals from the pipeline carry HSTS too, and a listener without hsts sends none', async () => {
    const bad = await httpsGet(tr.port, '/a/%2e%2e%2f/b', pki.ca, 'a.test');
    expect(bad.status).toBe(400);
    expect(bad.headers['strict-transport-security']).toBe('max-age=600; includeSubDomains');
    const plain = await startRouter({
      listen: { host: '127.0.0.1', port: 0, tls: { cert: a.cert, key: a.key } },
      pools: { p: { backends: [backend.url] } }, routes: [{ pool: 'p' }],
    });
    try {
      const r = await httpsGet(plain.port, '/', pki.ca, 'a.test');
      expect(r.status).toBe(200);
      expect(r.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('PROXY protocol in front of TLS', () => {
  it('reads the PROXY header, then runs the TLS handshake on the same connection; the client is the header\'s source', async () => {
    const px = await startRouter({
      listen: { host: '127.0.0.1', port: 0, acceptProxy: true, tls: { certs: [{ cert: a.cert, key: a.key }, { cert: b.cert, key: b.key }] } },
      pools: { p: { backends: [backend.url] } }, routes: [{ pool: 'p' }],
    });
    try {
      const raw = netConnect(px.port, '127.0.0.1');
      await new Promise<void>((r) => raw.once('connect', () => r()));
      raw.write('PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n');
      const t = tlsConnect({ socket: raw, servername: 'b.test', ca: readFileSync(pki.ca) });
      await new Promise<void>((r, j) => { t.once('secureConnect', () => r()); t.once('error', j); });
      expect(t.getPeerCertificate().serialNumber).toBe(b.serial);
      t.write('GET /via-proxy HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n');
      const text = await new Promise<string>((r) => {
        let s = '';
        t.on('data', (c: Buffer) => (s += c.toString()));
        t.on('end', () => r(s));
        t.on('close', () => r(s));
      });
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
      expect(body.headers['x-forwarded-for']).toBe('203.0.113.7');
      expect(body.headers['x-forwarded-proto']).toBe('https');
    } finally {
      await px.close();
    }
  });

  it('headersTimeout covers the PROXY header, the handshake and the first request head; a late client is cut without cleartext bytes', async () => {
    const px = await startRouter({
      listen: { host: '127.0.0.1', port: 0, acceptProxy: true, limits: { headersTimeout: 1000 }, tls: { cert: a.cert, key: a.key } },
      pools: { p: { backends: [backend.url] } }, routes: [{ pool: 'p' }],
    });
    try {
      // silent after the handshake
      const raw1 = netConnect(px.port, '127.0.0.1');
      const t0 = Date.now();
      raw1.write('PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n');
      const t = tlsConnect({ socket: raw1, servername: 'a.test', rejectUnauthorized: false });
      let plain = '';
      t.on('data', (c: Buffer) => (plain += c.toString()));
      t.on('error', () => undefined);
      await new Promise<void>((r) => t.once('secureConnect', () => r()));
      await new Promise<void>((r) => t.once('close', () => r()));
      const after1 = Date.now() - t0;
      // silent after the PROXY header: no ClientHello at all
      const raw2 = netConnect(px.port, '127.0.0.1');
      const t1 = Date.now();
      let bytes = 0;
      raw2.on('data', (c: Buffer) => (bytes += c.length));
      raw2.on('error', () => undefined);
      raw2.write('PROXY TCP4 203.0.113.8 127.0.0.1 5556 443\r\n');
      await new Promise<void>((r) => raw2.once('close', () => r()));
      const after2 = Date.now() - t1;
      expect(after1).toBeGreaterThanOrEqual(900);
      expect(after1).toBeLessThan(2200);
      expect(after2).toBeGreaterThanOrEqual(900);
      expect(after2).toBeLessThan(2200);
      expect(plain).not.toContain('HTTP/1.1 408');
      expect(bytes).toBe(0);
    } finally {
      await px.close();
    }
  });
});
