// Issue 14: the demo's HTTPS certificate (src/demo/cert.ts), made by openssl at `start --demo`:
// self-signed for localhost and 127.0.0.1, one day, in a temporary directory. Without openssl,
// start says in one line that the HTTPS demo port is off and serves the rest.
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDemoCert } from '../../src/demo/cert.js';
import { refusedPort, until } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sy-demo-https-'));

describe('the demo certificate', () => {
  it('is self-signed for localhost and 127.0.0.1, valid one day, its key matching; remove() deletes it', async () => {
    const c = await makeDemoCert();
    if ('off' in c) throw new Error(c.off);
    const x = new X509Certificate(readFileSync(c.cert));
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x.checkIssued(x)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(readFileSync(c.key)))).toBe(true);
    const life = Date.parse(x.validTo) - Date.parse(x.validFrom);
    expect(life).toBe(86_400_000);
    expect(Math.abs(Date.parse(x.validFrom) - Date.now())).toBeLessThan(60_000);
    c.remove();
    expect(existsSync(c.dir)).toBe(false);
  });

  it('without the openssl command: the reason, in a few words', async () => {
    const c = await makeDemoCert('switchyard-no-such-openssl');
    expect(c).toEqual({ off: 'no switchyard-no-such-openssl command on PATH to make its certificate' });
  });
});

describe('start --demo without openssl', () => {
  it('prints one line saying the HTTPS demo port is off and why, and serves cleartext', async () => {
    const [web, html] = [await refusedPort(), await refusedPort()];
    const file = join(dir, 'demo.config.ts');
    writeFileSync(file, `const demoTls = process.env.SWITCHYARD_DEMO_TLS_DIR;
export default {
  listen: [{ host: '127.0.0.1', port: ${web} }, ...(demoTls ? [{ host: '127.0.0.1', port: 0, tls: { cert: demoTls + '/cert.pem', key: demoTls + '/key.pem' } }] : [])],
  admin: false, log: { level: 'silent' },
  pools: { html: { scheduler: 'rr', backends: ['http://127.0.0.1:${html}'] } }, routes: [{ pool: 'html' }],
};`);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: join(dir, 'empty-bin') };
    delete env.SWITCHYARD_DEMO_TLS_DIR;
    const p = spawn(process.execPath, [CLI, 'start', '--demo', '--no-traffic', '-c', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // the banner is a human message: stderr (stdout carries access records only)
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(() => out.includes('cgi-bin/form') || p.exitCode !== null, 20_000, 'the start banner');
      expect(out).toContain(`switchyard: routing on http://127.0.0.1:${web} (config`);
      expect(out.split('\n').filter((l) => l.includes('HTTPS'))).toEqual(['  the HTTPS demo port is off: no openssl command on PATH to make its certificate']);
      expect(out).not.toContain('--http2');
      const r = await fetch(`http://127.0.0.1:${web}/`);
      expect(r.status).toBe(200);
    } finally {
      p.kill('SIGTERM');
      await until(() => p.exitCode !== null, 15_000, 'exit');
    }
  });
});
