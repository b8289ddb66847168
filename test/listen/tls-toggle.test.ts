// Adding or removing `tls` on a running listener in a reload is refused, naming the key and saying
// it needs a restart (src/listen/restart-keys.ts); the running listeners and config stay as they were.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../src/router.js';
import { echoBackend, type TestServer } from '../helpers.js';
import { makePki, type Leaf, type Pki } from './pki.js';
import { handshake } from './tls-client.js';

let pki: Pki;
let leaf: Leaf;
let echo: TestServer;
let router: Router;
let file: string;
let clearPort: number;
let tlsPort: number;

const write = (listen: object[], pool = 'p') => writeFileSync(file, `export default ${JSON.stringify({
  listen, admin: false, log: { level: 'silent' },
  pools: { [pool]: { backends: [echo.url] } }, routes: [{ pool }],
})};\n`);

beforeAll(async () => {
  pki = makePki();
  leaf = pki.leaf('a', ['a.test']);
  echo = await echoBackend('echo');
  file = join(pki.dir, 'switchyard.config.mjs');
  write([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key } }]);
  router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
  [clearPort, tlsPort] = (await router.listen()).map((a) => a.port) as [number, number];
});

afterAll(async () => {
  await router?.close(2000);
  await echo?.close();
  pki?.remove();
});

const tls = () => ({ cert: leaf.cert, key: leaf.key });

describe('reload that adds or removes tls', () => {
  it('adding tls to the cleartext listener is refused at listen[0].tls; it keeps answering in clear', async () => {
    const before = router.current.version;
    write([{ host: '127.0.0.1', port: 0, tls: tls() }, { host: '127.0.0.1', port: 0, tls: tls() }], 'q');
    const r = await router.reload();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ path: 'listen[0].tls', message: `adding tls to the cleartext listener on port ${clearPort} needs a restart (listeners are bound at start); the running config is kept` }]);
    expect(router.current.version).toBe(before);
    expect((await fetch(`http://127.0.0.1:${clearPort}/x`)).status).toBe(200);
  });

  it('removing tls from the TLS listener is refused at listen[1].tls; it keeps its certificate', async () => {
    write([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }], 'q');
    const r = await router.reload();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path)).toEqual(['listen[1].tls']);
    expect(r.problems[0]!.message).toBe(`removing tls from the TLS listener on port ${tlsPort} needs a restart (listeners are bound at start); the running config is kept`);
    expect((await handshake(tlsPort, { servername: 'a.test' })).serial).toBe(leaf.serial);
  });

  it('turning HTTP/2 off on the TLS listener, or changing its limits, is refused at its key', async () => {
    write([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: tls(), http2: false }], 'q');
    const off = await router.reload();
    expect(off.problems).toEqual([{ path: 'listen[1].http2', message: `turning HTTP/2 off on the listener on port ${tlsPort} needs a restart (listeners are bound at start); the running config is kept` }]);
    write([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: tls(), http2Limits: { maxConcurrentStreams: 5 } }], 'q');
    const limits = await router.reload();
    expect(limits.problems.map((p) => p.path)).toEqual(['listen[1].http2Limits']);
  });

  it('switching a listener to the other engine is refused at listen[0].engine', async () => {
    const was = router.current.config.listen[0]!.engine;
    const other = was === 'fast' ? 'node' : 'fast';
    write([{ host: '127.0.0.1', port: 0, engine: other }, { host: '127.0.0.1', port: 0, tls: tls() }], 'q');
    const r = await router.reload();
    expect(r.problems).toEqual([{ path: 'listen[0].engine', message: `switching the listener on port ${clearPort} from the ${was} engine to the ${other} one needs a restart (listeners are bound at start); the running config is kept` }]);
    expect((await fetch(`http://127.0.0.1:${clearPort}/x`)).status).toBe(200);
  });

  it('a reload that keeps tls where it was applies', async () => {
    const before = router.current.version;
    write([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: tls() }], 'q');
    const r = await router.reload();
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(router.current.version).toBe(before + 1);
  });
});
