// Test certificates made with the openssl command line in a fresh temporary directory: a CA and
// leaf certificates it signs (EC P-256, quick to make). Nothing is committed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  cert: string;
  key: string;
  /** Upper-case hex, as X509Certificate.serialNumber and TLS peer certificates give it. */
  serial: string;
}

export interface Pki {
  dir: string;
  ca: string;
  /** A leaf for these DNS names; `days` < 0 makes one that has already expired. */
  leaf(file: string, names: string[], days?: number): Leaf;
  remove(): void;
}

const ssl = (cwd: string, args: string[]) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Switchyard Test CA', '-days', '2']);
  let n = 0;
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    leaf(file, names, days = 2) {
      n++;
      writeFileSync(join(dir, `${file}.ext`), `subjectAltName=${names.map((x) => `DNS:${x}`).join(',')}\n`);
      ssl(dir, ['req', ...ec, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${names[0]}`]);
      ssl(dir, ['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(0x1000 + n),
        '-days', String(days), '-extfile', `${file}.ext`, '-out', `${file}.crt`]);
      return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`), serial: (0x1000 + n).toString(16).toUpperCase() };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
