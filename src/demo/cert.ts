// The demo's HTTPS certificate (`npm start`): made at start by the `openssl` command line, self-signed
// for localhost and 127.0.0.1, valid one day, in a fresh temporary directory that stop() removes.
// Nothing is committed. routes.config.ts finds the files through DEMO_TLS_ENV.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by `start --demo` to the directory holding cert.pem and key.pem. */
export const DEMO_TLS_ENV = 'SWITCHYARD_DEMO_TLS_DIR';

export interface DemoCert {
  dir: string;
  cert: string;
  key: string;
  remove(): void;
}

/** The openssl arguments: an EC P-256 key and a self-signed certificate, no passphrase. */
export function opensslArgs(dir: string): string[] {
  return [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ];
}

/** Make the certificate; on failure (openssl missing or failing) the reason, in a few words. */
export async function makeDemoCert(openssl = 'openssl'): Promise<DemoCert | { off: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-tls-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const err = await new Promise<{ code: unknown; message: string; stderr: string } | undefined>((resolve) => {
    execFile(openssl, opensslArgs(dir), { timeout: 20_000 }, (e, _out, stderr) => resolve(e ? { code: e.code, message: e.message, stderr } : undefined));
  });
  if (err) {
    remove();
    if (err.code === 'ENOENT') return { off: `no ${openssl} command on PATH to make its certificate` };
    const why = err.stderr.trim().split('\n').pop() || err.message;
    return { off: `${openssl} could not make its certificate: ${why}` };
  }
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), remove };
}
