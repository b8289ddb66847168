// TLS clients for the listener tests: a bare handshake that reports the certificate served, and an
// HTTPS GET that trusts the test CA.
import { request } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';

/** Handshake and hang up; the serial of the certificate served, or the error. */
export function handshake(port: number, opts: ConnectionOptions = {}): Promise<{ serial?: string; protocol?: string; error?: string }> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    s.once('secureConnect', () => {
      done({ serial: s.getPeerCertificate().serialNumber, protocol: s.getProtocol() ?? undefined });
      s.end();
    });
    s.once('error', (e) => done({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

export interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  serial: string;
}

/** GET over HTTPS, verifying the certificate against `ca` for `servername`. */
export function httpsGet(port: number, path: string, ca: string, servername: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, ca: readFileSync(ca), servername, agent: false, headers: { host: servername, ...headers } }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({
        status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(),
        serial,
      }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}
