// The TLS options of a connection to an https: backend, from its pool's `tls` (docs/security.md
// "Upstream TLS"). One function for requests (upstream.ts), upgrades (upgrade.ts dial) and health
// checks (src/health/probe.ts), so the three always verify alike.
import { isIP } from 'node:net';
import type { UpstreamTls } from '../config/normalized.js';

export interface TlsOptions {
  ca: string | undefined;
  /** '' for an IP address: no SNI, and the certificate is checked against the address. */
  servername: string;
  rejectUnauthorized: boolean;
}

/** Without the key: the system store, verification on, SNI from the backend host. */
export function tlsOptions(tls: UpstreamTls | undefined, host: string): TlsOptions {
  return {
    ca: tls?.ca,
    servername: tls?.servername ?? (isIP(host) === 0 ? host : ''),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
}
