// Issue 14: `switchyard check` reads the `listen.tls` certificate files as a start would
// (src/listen/certs.ts): names and expiry listed, a missing file or a key that does not match its
// certificate fails with its key path, an expired certificate is a warning. The demo config
// (routes.config.ts) has its HTTPS listener only when `start --demo` names a certificate.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDemoCert, type DemoCert } from '../../src/demo/cert.js';
import { makePki, type Leaf, type Pki } from '../listen/pki.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000, cwd: ROOT, env: { ...process.env, ...env } }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sy-check-tls-'));
function config(name: string, tls: string): string {
  const p = join(dir, name);
  writeFileSync(p, `export default {
  listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: ${tls} }], admin: false,
  pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9101'] } }, routes: [{ pool: 'web' }],
};`);
  return p;
}

describe('switchyard check: listen.tls certificate files', () => {
  let pki: Pki;
  let site: Leaf;
  let api: Leaf;
  let old: Leaf;
  beforeAll(() => {
    pki = makePki();
    site = pki.leaf('site', ['site.test', '*.site.test'], 30);
    api = pki.leaf('api', ['api.test'], 30);
    old = pki.leaf('old', ['old.test'], -1);
  });
  afterAll(() => pki.remove());

  it('lists each certificate with its key path, names and expiry', async () => {
    const file = config('good.config.ts', `{ certs: [{ cert: ${JSON.stringify(site.cert)}, key: ${JSON.stringify(site.key)} }, { cert: ${JSON.stringify(api.cert)}, key: ${JSON.stringify(api.key)} }] }`);
    const r = await run(['check', '-c', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('127.0.0.1:0 (tls)');
    expect(r.out).toMatch(/certificate listen\[1\]\.tls\.certs\[0\]: site\.test, \*\.site\.test, expires 20\d\d-\d\d-\d\dT/);
    expect(r.out).toMatch(/certificate listen\[1\]\.tls\.certs\[1\]: api\.test, expires /);
    expect(r.out).not.toContain('warning');
  });

  it('a missing key file and a key that belongs to another certificate fail with their key paths', async () => {
    const file = config('bad.config.ts', `{ certs: [{ cert: ${JSON.stringify(site.cert)}, key: ${JSON.stringify(join(dir, 'absent.key'))} }, { cert: ${JSON.stringify(api.cert)}, key: ${JSON.stringify(site.key)} }] }`);
    const r = await run(['check', '-c', file]);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('OK');
    expect(r.err).toMatch(/listen\[1\]\.tls\.certs\[0\]\.key: cannot read .*absent\.key: ENOENT/);
    expect(r.err).toMatch(/listen\[1\]\.tls\.certs\[1\]\.key: .*site\.key does not match the certificate in .*api\.crt/);
  });

  it('a file that is not PEM fails at its key path', async () => {
    const junk = join(dir, 'junk.crt');
    writeFileSync(junk, 'not a certificate\n');
    const file = config('junk.config.ts', `{ cert: ${JSON.stringify(junk)}, key: ${JSON.stringify(site.key)} }`);
    const r = await run(['check', '-c', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/listen\[1\]\.tls\.cert: .*junk\.crt is not a PEM certificate/);
  });

  it('an expired certificate is a warning (start serves it anyway)', async () => {
    const file = config('expired.config.ts', `{ cert: ${JSON.stringify(old.cert)}, key: ${JSON.stringify(old.key)} }`);
    const r = await run(['check', '-c', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/warning: listen\[1\]\.tls: .*old\.crt expired on 20\d\d-/);
  });
});

describe('routes.config.ts: the HTTPS demo listener', () => {
  let cert: DemoCert;
  beforeAll(async () => {
    const c = await makeDemoCert();
    if ('off' in c) throw new Error(c.off);
    cert = c;
  });
  afterAll(() => cert.remove());

  it('is there only when start --demo names its certificate directory, which check then reads', async () => {
    const env = { SWITCHYARD_DEMO_TLS_DIR: '' };
    const plain = await run(['check', '-c', 'routes.config.ts'], env);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^listen 127\.0\.0\.1:8080 {3}admin/m);
    const demo = await run(['check', '-c', 'routes.config.ts'], { SWITCHYARD_DEMO_TLS_DIR: cert.dir });
    expect(demo.err).toBe('');
    expect(demo.out).toMatch(/^listen 127\.0\.0\.1:8080, 127\.0\.0\.1:8443 \(tls\)/m);
    expect(demo.out).toContain(`certificate listen[1].tls: localhost, expires `);
    expect(demo.out).toMatch(/warning: listen\[1\]\.tls: .*cert\.pem expires on .*, in 1 day\(s\)/);
  });
});
