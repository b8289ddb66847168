// Reloading a TLS listener's certificates (docs/security.md, "TLS termination"): new connections
// get the new certificate while open ones finish on the old; a bad file keeps the running ones
// and is reported at its key path; certificate files are watched beside the config file.
import { copyFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOffThread } from '../../src/config/off-thread.js';
import { Router } from '../../src/router.js';
import { startServer, type TestServer } from '../helpers.js';
import { makePki, type Leaf, type Pki } from './pki.js';
import { handshake } from './tls-client.js';

let pki: Pki;
let first: Leaf, renewed: Leaf, other: Leaf, second: Leaf;
let slow: TestServer;
let router: Router;
let port: number;
let file: string;
/** The files the config names; tests copy certificates over them. */
let live: { cert: string; key: string };

const CHUNKS = 80;
const CHUNK = 'x'.repeat(1000);

beforeAll(async () => {
  pki = makePki();
  first = pki.leaf('first', ['site.test']);
  renewed = pki.leaf('renewed', ['site.test']);
  other = pki.leaf('other', ['other.test']);
  second = pki.leaf('second', ['second.test']);
  live = { cert: join(pki.dir, 'live.crt'), key: join(pki.dir, 'live.key') };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  // a download of CHUNKS chunks, one every 50 ms
  slow = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(CHUNKS * CHUNK.length) });
    let n = 0;
    const t = setInterval(() => {
      res.write(CHUNK);
      if (++n === CHUNKS) {
        clearInterval(t);
        res.end();
      }
    }, 50);
    res.on('close', () => clearInterval(t));
  });
  file = join(pki.dir, 'switchyard.config.mjs');
  writeFileSync(file, `export default ${JSON.stringify({
    listen: { host: '127.0.0.1', port: 0, tls: { certs: [live, { cert: second.cert, key: second.key }] } },
    admin: false, log: { level: 'silent' },
    pools: { p: { backends: [slow.url] } }, routes: [{ pool: 'p' }],
  })};\n`);
  router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
  port = (await router.listen())[0]!.port;
});

afterAll(async () => {
  await router?.close(2000);
  await slow?.close();
  pki?.remove();
});

/** Start a GET over HTTPS; resolves at the response head with the served serial and the whole body's length later. */
function download(): Promise<{ serial: string; body: Promise<number>; ended: () => boolean }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/big', rejectUnauthorized: false, servername: 'site.test', agent: false }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      let ended = false;
      res.once('end', () => (ended = true));
      done({
        serial,
        ended: () => ended,
        body: new Promise((r, j) => {
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => r(n));
          res.on('error', j);
          res.on('aborted', () => j(new Error('aborted')));
        }),
      });
    });
    req.on('error', fail);
    req.end();
  });
}

describe('certificate reload', () => {
  it('the config load names the certificate files, so a file watch sees them change', async () => {
    const r = await loadOffThread(file);
    expect(r.files).toEqual(expect.arrayContaining([live.cert, live.key, second.cert, second.key]));
  });

  it('new connections get the new certificate; a download on an old connection finishes', async () => {
    expect((await handshake(port, { servername: 'site.test' })).serial).toBe(first.serial);
    const dl = await download();
    expect(dl.serial).toBe(first.serial);
    copyFileSync(renewed.cert, live.cert);
    copyFileSync(renewed.key, live.key);
    const r = await router.reload();
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect((await handshake(port, { servername: 'site.test' })).serial).toBe(renewed.serial);
    // the default certificate: a client without SNI too
    expect((await handshake(port, {})).serial).toBe(renewed.serial);
    expect((await handshake(port, { servername: 'second.test' })).serial).toBe(second.serial);
    // the download was still running when the swap happened, and it completes
    expect(dl.ended()).toBe(false);
    await expect(dl.body).resolves.toBe(CHUNKS * CHUNK.length);
    expect(router.certificates().map((c) => c.serial)).toEqual([renewed.serial, second.serial]);
  }, 20_000);

  it('a key that does not match its certificate is reported at its key path; the running certificates stay', async () => {
    const before = (await handshake(port, { servername: 'site.test' })).serial;
    copyFileSync(other.key, live.key);
    const r = await router.reload();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ path: 'listen.tls.certs[0].key', message: expect.stringContaining('does not match') }]);
    expect((await handshake(port, { servername: 'site.test' })).serial).toBe(before);
    expect(router.certificates()[0]!.serial).toBe(before);
  });

  it('a key file that is not PEM, and a missing certificate file, are each reported at their key path', async () => {
    const before = router.current.version;
    writeFileSync(live.key, 'not a key\n');
    writeFileSync(file, `export default ${JSON.stringify({
      listen: { host: '127.0.0.1', port: 0, tls: { certs: [live, { cert: join(pki.dir, 'missing.crt'), key: second.key }] } },
      admin: false, log: { level: 'silent' },
      pools: { p: { backends: [slow.url] } }, routes: [{ pool: 'p' }],
    })};\n`);
    const r = await router.reload();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path).sort()).toEqual(['listen.tls.certs[0].key', 'listen.tls.certs[1].cert']);
    // nothing of the new config was applied
    expect(router.current.version).toBe(before);
    expect((await handshake(port, { servername: 'second.test' })).serial).toBe(second.serial);
  });
});
