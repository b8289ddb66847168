// Issue 14, end to end: `start --demo` makes a localhost certificate with openssl, the demo config's
// HTTPS listener serves it, the printed `curl -k --http2` line works with the real curl (Debian's,
// .ci/run installs it) and speaks HTTP/2. The config mirrors routes.config.ts on free ports.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refusedPort, until } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sy-https-demo-'));

function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 15_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}

describe('npm start: the demo over HTTPS', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints a curl -k --http2 line that gets the demo page over HTTP/2, and removes the certificate at exit', async () => {
    const [web, html, img] = [await refusedPort(), await refusedPort(), await refusedPort()];
    const file = join(dir, 'demo.config.ts');
    // the same shape as routes.config.ts: the HTTPS listener only when start --demo names a certificate
    writeFileSync(file, `const demoTls = process.env.SWITCHYARD_DEMO_TLS_DIR;
export default {
  listen: [
    { host: '127.0.0.1', port: ${web} },
    ...(demoTls ? [{ host: '127.0.0.1', port: 0, tls: { cert: demoTls + '/cert.pem', key: demoTls + '/key.pem' } }] : []),
  ],
  admin: false, log: { level: 'silent' },
  pools: { html: { scheduler: 'rr', backends: ['http://127.0.0.1:${html}'] }, images: { scheduler: 'rr', backends: ['http://127.0.0.1:${img}'] } },
  routes: [{ name: 'images', match: { mime: 'image/*' }, pool: 'images' }, { name: 'html', match: {}, pool: 'html' }],
};`);
    const env = { ...process.env };
    delete env.SWITCHYARD_DEMO_TLS_DIR;
    const p = spawn(process.execPath, [CLI, 'start', '--demo', '--no-traffic', '-c', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    // the banner is a human message on stderr; stdout carries access records only
    let banner = '';
    let access = '';
    p.stdout!.on('data', (c: Buffer) => (access += c.toString()));
    p.stderr!.on('data', (c: Buffer) => (banner += c.toString()));
    await until(() => /curl -k --http2 \S+/.test(banner) || p.exitCode !== null, 20_000);
    const line = /^ {4}curl -k --http2 (https:\/\/127\.0\.0\.1:(\d+))\/$/m.exec(banner);
    expect(line, `stderr:\n${banner}\nstdout:\n${access}`).not.toBeNull();
    expect(banner).toMatch(/^switchyard: routing on http:\/\/127\.0\.0\.1:\d+, https:\/\/127\.0\.0\.1:\d+ /);
    const made = /certificate for localhost and 127\.0\.0\.1, made now by openssl in (\S+) \(1 day/.exec(banner);
    expect(made).not.toBeNull();
    expect(existsSync(join(made![1]!, 'cert.pem'))).toBe(true);

    // -k: the certificate is self-signed; --http2 asks for h2 by ALPN
    const r = await curl(['-sS', '-k', '--http2', '-D', '-', '-o', '/dev/null', '-w', '%{http_version} %{http_code}\n', `${line![1]}/`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const [version, status] = r.out.trim().split('\n').pop()!.split(' ');
    expect(status).toBe('200');
    // the same routes as on the cleartext port: the page comes from the html demo backend
    const page = await curl(['-sS', '-k', '--http2', `${line![1]}/`]);
    expect(page.out).toMatch(/<html/i);
    // the certificate is the one made for localhost: curl trusts it once given as the CA
    const strict = await curl(['-sS', '--cacert', join(made![1]!, 'cert.pem'), '--resolve', `localhost:${line![2]}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_code}', `https://localhost:${line![2]}/`]);
    expect(strict.out).toBe('200');

    p.kill('SIGTERM');
    await until(() => p.exitCode !== null, 15_000);
    expect(p.exitCode).toBe(0);
    expect(existsSync(made![1]!)).toBe(false);
    // HTTP/2 by ALPN (listen.http2 defaults to true with tls; docs/security.md)
    expect(version).toBe('2');
  });
});
