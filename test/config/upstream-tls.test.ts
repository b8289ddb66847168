// `pools.<name>.tls` in the config (src/config/schema.ts, validate.ts, pem.ts): the CA file is read
// when the config is validated, so `check`, start and every reload see a bad one at its key; a
// reload with a bad CA keeps the running config; `check` warns on rejectUnauthorized: false.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWarnings } from '../../src/cli/check.js';
import { validate } from '../../src/config/validate.js';
import { Router } from '../../src/router.js';
import { httpsBackend, makeCerts, rawRequest, type TestCerts } from '../helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());

const config = (pool: Record<string, unknown>) => ({
  listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
  pools: { x: { scheduler: 'rr', backends: ['https://127.0.0.1:9443'], ...pool } }, routes: [{ pool: 'x' }],
});
const problemsOf = (pool: Record<string, unknown>) => validate(config(pool)).problems;

describe('pools.<name>.tls in the config', () => {
  it('reads the CA file; defaults: verification on, no servername (the backend host decides)', () => {
    const { config: c, problems } = validate(config({ tls: { ca: certs.caFile } }));
    expect(problems).toEqual([]);
    expect(c!.pools.x!.tls).toEqual({ caFile: certs.caFile, ca: readFileSync(certs.caFile, 'utf8'), servername: undefined, rejectUnauthorized: true });
    expect(validate(config({})).config!.pools.x!.tls).toBeUndefined();
  });

  it('(6) a missing, unreadable or non-PEM CA file is a problem at pools.x.tls.ca', () => {
    const missing = join(certs.dir, 'nope.pem');
    expect(problemsOf({ tls: { ca: missing } })).toEqual([{ path: 'pools.x.tls.ca', message: `cannot read ${missing}: ENOENT` }]);
    expect(problemsOf({ tls: { ca: certs.dir } })).toEqual([{ path: 'pools.x.tls.ca', message: `cannot read ${certs.dir}: EISDIR` }]);
    const junk = join(certs.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(problemsOf({ tls: { ca: junk } })).toEqual([{ path: 'pools.x.tls.ca', message: `${junk} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` }]);
    const broken = join(certs.dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(problemsOf({ tls: { ca: broken } })[0]).toMatchObject({ path: 'pools.x.tls.ca', message: expect.stringContaining('certificate 1 cannot be parsed') });
  });

  it('is refused on a pool without https: backends, with an IP address as servername, and with unknown keys', () => {
    expect(problemsOf({ backends: ['http://127.0.0.1:1'], tls: { rejectUnauthorized: false } })).toEqual([
      { path: 'pools.x.tls', message: 'applies to https: backends and this pool has none (write https:// in the backend URLs)' },
    ]);
    // a pool mixing http: and https: backends may have it (it applies to the https: ones)
    expect(problemsOf({ backends: ['http://127.0.0.1:1', 'https://127.0.0.1:2'], tls: { rejectUnauthorized: false } })).toEqual([]);
    expect(problemsOf({ tls: { servername: '10.0.0.1' } }).map((p) => p.path)).toEqual(['pools.x.tls.servername']);
    expect(problemsOf({ tls: { servername: 'api.internal' } })).toEqual([]);
    expect(problemsOf({ tls: { caFile: 'x' } })[0]).toMatchObject({ path: 'pools.x.tls.caFile', message: expect.stringContaining('unknown key') });
    expect(problemsOf({ tls: { rejectUnauthorized: 'no' } }).map((p) => p.path)).toEqual(['pools.x.tls.rejectUnauthorized']);
  });

  it('(4) check warns on rejectUnauthorized: false, not otherwise', () => {
    expect(configWarnings(validate(config({ tls: { rejectUnauthorized: false } })).config!)).toEqual([
      "pools.x.tls.rejectUnauthorized: false accepts any certificate from the pool's https: backends; give their CA in tls.ca instead",
    ]);
    expect(configWarnings(validate(config({ tls: { ca: certs.caFile } })).config!)).toEqual([]);
  });

  it('(6) the check command names pools.x.tls.ca and exits 1; it warns on rejectUnauthorized: false', async () => {
    const run = (file: string) => new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), 'check', '-c', file], { timeout: 20_000 }, (e, out, err) => {
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
      });
    });
    const bad = join(certs.dir, 'bad.config.ts');
    writeFileSync(bad, `export default ${JSON.stringify(config({ tls: { ca: join(certs.dir, 'missing-ca.pem') } }))};\n`);
    const r = await run(bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pools.x.tls.ca');
    expect(r.err).toContain('missing-ca.pem: ENOENT');
    const lax = join(certs.dir, 'lax.config.ts');
    writeFileSync(lax, `export default ${JSON.stringify(config({ tls: { rejectUnauthorized: false } }))};\n`);
    const l = await run(lax);
    expect(l.code).toBe(0);
    expect(l.out).toContain('warning: pools.x.tls.rejectUnauthorized: false accepts any certificate');
  });

  it('a reload re-reads the CA file; a bad one keeps the running config, and its file is watched', async () => {
    const be = await httpsBackend(certs.signed);
    const ca = join(certs.dir, 'reload-ca.pem');
    writeFileSync(ca, readFileSync(certs.caFile));
    const file = join(certs.dir, 'reload.config.ts');
    const write = (backends: string[]) => writeFileSync(file, `export default ${JSON.stringify({ ...config({ backends, tls: { ca } }) })};\n`);
    write([be.url]);
    const router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
    try {
      const [addr] = await router.listen();
      const get = () => rawRequest(addr!.port, { method: 'GET', target: '/x' });
      expect((await get()).status).toBe(200);
      // the CA now holds a certificate that did not sign the backend: re-read on reload, refused
      writeFileSync(ca, certs.untrusted.cert);
      const other = await router.reload();
      expect(other.ok).toBe(true);
      expect(other.files).toContain(ca);
      expect((await get()).status).toBe(502);
      writeFileSync(ca, 'gone\n');
      write([be.url, 'https://127.0.0.1:9']);
      const rejected = await router.reload();
      expect(rejected.ok).toBe(false);
      expect(rejected.problems.map((p) => p.path)).toEqual(['pools.x.tls.ca']);
      expect(rejected.files).toContain(ca);
      // the running pool is the one before: one backend
      expect(router.pools.get('x')!.backends.map((b) => b.id)).toEqual([be.id]);
      writeFileSync(ca, readFileSync(certs.caFile));
      expect((await router.reload()).ok).toBe(true);
      expect(router.pools.get('x')!.backends).toHaveLength(2);
      expect((await rawRequest(addr!.port, { method: 'GET', target: '/y' })).status).toBe(200);
    } finally {
      await router.close(0);
      await be.close();
    }
  });
});
