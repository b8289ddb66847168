// Certificate, key and CA paths in a config file are taken from the file's directory, not the
// working directory (src/config/validate.ts baseDir); absolute paths stay as written. The
// compiled CLI's `check` runs from another directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Router } from '../../src/router.js';
import { makePki, type Leaf, type Pki } from '../listen/pki.js';
import { handshake } from '../listen/tls-client.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

function check(file: string, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'check', '-c', file], { timeout: 20_000, cwd }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

let pki: Pki;
let site: Leaf;
let other: Leaf;
/** A working directory that holds none of the files. */
let elsewhere: string;

beforeAll(() => {
  pki = makePki();
  site = pki.leaf('site', ['site.test']);
  other = pki.leaf('other', ['other.test']);
  elsewhere = mkdtempSync(join(tmpdir(), 'sy-elsewhere-'));
});

afterAll(() => {
  pki.remove();
  rmSync(elsewhere, { recursive: true, force: true });
});

/** A config file in the certificates' directory. */
function config(name: string, listenTls: string, ca: string): string {
  const file = join(pki.dir, name);
  writeFileSync(file, `export default {
  listen: [{ host: '127.0.0.1', port: 0, tls: ${listenTls} }], admin: false,
  pools: { web: { scheduler: 'rr', backends: ['https://127.0.0.1:9443'], tls: { ca: ${JSON.stringify(ca)} } } }, routes: [{ pool: 'web' }],
};`);
  return file;
}

describe('relative certificate paths', () => {
  it('are read from the config file\'s directory when check runs elsewhere; absolute ones as written', async () => {
    const file = config('rel.config.ts', `{ certs: [{ cert: 'site.crt', key: './site.key' }, { cert: ${JSON.stringify(other.cert)}, key: ${JSON.stringify(other.key)} }] }`, 'ca.crt');
    const r = await check(file, elsewhere);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/certificate listen\[0\]\.tls\.certs\[0\]: site\.test, expires /);
    expect(r.out).toMatch(/certificate listen\[0\]\.tls\.certs\[1\]: other\.test, expires /);
  });

  it('a relative path that is missing is reported as the file beside the config, at its key path', async () => {
    const file = config('missing.config.ts', `{ cert: 'site.crt', key: 'site.key' }`, 'nope/ca.crt');
    const r = await check(file, elsewhere);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`pools.web.tls.ca: cannot read ${join(pki.dir, 'nope/ca.crt')}: ENOENT`);
    expect(r.err).not.toContain(elsewhere);
  });

  it('a router started from the file, and its reload, read them from there too', async () => {
    const file = config('start.config.mjs', `{ cert: 'site.crt', key: 'site.key' }`, 'ca.crt');
    const router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
    try {
      const port = (await router.listen())[0]!.port;
      expect((await handshake(port, { servername: 'site.test' })).serial).toBe(site.serial);
      expect(await router.reload()).toMatchObject({ ok: true, problems: [] });
    } finally {
      await router.close(1000);
    }
  });
});
