// The certificates of a `listen.tls` listener (docs/security.md, "TLS termination"): read the PEM
// files, check each key against its certificate, make one secure context per certificate, and pick
// one per SNI name. Reading reports every problem at its key path; nothing here holds state.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Tls } from '../config/normalized.js';

export interface Problem {
  path: string;
  message: string;
}

/** What the admin API shows of a certificate. */
export interface CertInfo {
  /** DNS names of subjectAltName, else the subject's CN. */
  names: string[];
  /** ISO date. */
  notAfter: string;
  serial: string;
  /** The certificate file as configured. */
  file: string;
  /** Its key path in the config (`listen.tls.certs[1]`). */
  at: string;
}

export interface CertEntry {
  info: CertInfo;
  context: SecureContext;
  /** The PEM texts and options, for server.setSecureContext when this is the default. */
  options: { cert: string; key: string; minVersion: Tls['minVersion'] };
}

/** A listener's certificates; the first is the default. */
export interface CertSet {
  entries: CertEntry[];
}

/** Read and check every certificate of `tls`; on any problem no set, every problem listed. */
export function readCerts(tls: Tls): { set?: CertSet; problems: Problem[] } {
  const problems: Problem[] = [];
  const entries: CertEntry[] = [];
  for (const c of tls.certs) {
    const cert = readPem(c.cert, `${c.at}.cert`, problems);
    const key = readPem(c.key, `${c.at}.key`, problems);
    if (cert === undefined || key === undefined) continue;
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert);
    } catch (e) {
      problems.push({ path: `${c.at}.cert`, message: `${c.cert} is not a PEM certificate: ${(e as Error).message}` });
      continue;
    }
    let keyOk = false;
    try {
      keyOk = x509.checkPrivateKey(createPrivateKey(key));
    } catch (e) {
      problems.push({ path: `${c.at}.key`, message: `${c.key} is not a PEM private key: ${(e as Error).message}` });
      continue;
    }
    if (!keyOk) {
      problems.push({ path: `${c.at}.key`, message: `${c.key} does not match the certificate in ${c.cert}` });
      continue;
    }
    const options = { cert, key, minVersion: tls.minVersion };
    try {
      entries.push({ info: certInfo(x509, c.cert, c.at), context: createSecureContext(options), options });
    } catch (e) {
      problems.push({ path: c.at, message: `cannot use ${c.cert} with ${c.key}: ${(e as Error).message}` });
    }
  }
  return problems.length > 0 || entries.length === 0 ? { problems } : { set: { entries }, problems };
}

function readPem(file: string, at: string, problems: Problem[]): string | undefined {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (e) {
    problems.push({ path: at, message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return undefined;
  }
}

function certInfo(x: X509Certificate, file: string, at: string): CertInfo {
  const dns = (x.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  const cn = /^CN=(.*)$/m.exec(x.subject)?.[1];
  return { names: dns.length > 0 ? dns : cn ? [cn.toLowerCase()] : [], notAfter: new Date(x.validTo).toISOString(), serial: x.serialNumber, file, at };
}

/** Does a certificate name cover `host`? `*.example.com` covers exactly one more label. */
export function nameCovers(name: string, host: string): boolean {
  if (!name.startsWith('*.')) return name === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
}

/** The index of the certificate for an SNI name: an exact name first, then a wildcard, else 0. */
export function pickCert(names: readonly (readonly string[])[], servername: string): number {
  const host = servername.toLowerCase().replace(/\.$/, '');
  const exact = names.findIndex((ns) => ns.includes(host));
  if (exact >= 0) return exact;
  const wild = names.findIndex((ns) => ns.some((n) => n.startsWith('*.') && nameCovers(n, host)));
  return wild >= 0 ? wild : 0;
}

/** The files a config's listeners read (watched beside the config file). */
export function certFiles(tls: Tls | undefined): string[] {
  return (tls?.certs ?? []).flatMap((c) => [resolve(c.cert), resolve(c.key)]);
}
