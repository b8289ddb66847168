// Certificates for upstream TLS tests, made with openssl in a temporary folder: a CA, a leaf it
// signed for `localhost` and 127.0.0.1, and a self-signed certificate for the same names that no
// CA vouches for. Plus an https: backend that records what it was asked (and under which SNI).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface TestCerts {
  dir: string;
  /** The CA's certificate file (what `pools.<name>.tls.ca` names). */
  caFile: string;
  /** Leaf signed by the CA: key and certificate PEM. */
  signed: { key: string; cert: string };
  /** Self-signed, same names, trusted by nobody. */
  untrusted: { key: string; cert: string };
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const NAMES = 'subjectAltName=DNS:localhost,IP:127.0.0.1';

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'sy-uptls-'));
  const at = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl('req', '-x509', ...EC, '-days', '2', '-subj', '/CN=Switchyard Test CA', '-keyout', at('ca.key'), '-out', at('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...EC, '-subj', '/CN=localhost', '-keyout', at('leaf.key'), '-out', at('leaf.csr'));
  writeFileSync(at('leaf.ext'), `${NAMES}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', at('leaf.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1',
    '-extfile', at('leaf.ext'), '-out', at('leaf.pem'));
  ssl('req', '-x509', ...EC, '-days', '1', '-subj', '/CN=localhost', '-addext', NAMES, '-keyout', at('self.key'), '-out', at('self.pem'));
  const read = (f: string) => readFileSync(at(f), 'utf8');
  return {
    dir,
    caFile: at('ca.pem'),
    signed: { key: read('leaf.key'), cert: read('leaf.pem') },
    untrusted: { key: read('self.key'), cert: read('self.pem') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface HttpsBackend {
  server: Server;
  url: string;
  id: string;
  /** Requests seen: path, Host, and the SNI the client sent (false: none). */
  seen: { path: string; host: string | undefined; servername: string | false }[];
  close(): Promise<void>;
}

/** An https: backend on 127.0.0.1 answering `200 <its name>` to everything. */
export async function httpsBackend(cert: { key: string; cert: string }, name = 'tls-backend'): Promise<HttpsBackend> {
  const seen: HttpsBackend['seen'] = [];
  const server = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    seen.push({ path: req.url!, host: req.headers.host, servername: (req.socket as TLSSocket).servername ?? false });
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    server, url: `https://127.0.0.1:${port}`, id: `127.0.0.1:${port}`, seen,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
