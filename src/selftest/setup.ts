// What `switchyard selftest` runs: the operator's config with every pool's backends replaced by
// one capture backend per pool (src/selftest/capture.ts), and for each listener how the corpus
// client reaches it. Pure: run.ts does the I/O.
import { isIPv6 } from 'node:net';
import type { Listen } from '../config/normalized.js';
import { encodeV1 } from '../proxy-protocol/encode.js';
import { cidrMatcher } from '../proxy/cidr.js';

type Raw = Record<string, unknown>;

/**
 * The config to start: pools point at `captures` (pool name → URL), without health checks,
 * upstream TLS or PROXY headers towards backends; no admin, no TCP services, a silent log, and
 * every listener on 127.0.0.1 (port 0, or its own port in chain mode, where a front proxy sends
 * to it).
 */
export function captureConfig(raw: Raw, captures: ReadonlyMap<string, string>, keepPorts: boolean): Raw {
  const pools: Raw = {};
  for (const [name, p] of Object.entries((raw.pools ?? {}) as Record<string, Raw>)) {
    const { health: _h, tls: _t, sendProxy: _s, ...rest } = p;
    pools[name] = { ...rest, backends: [captures.get(name)] };
  }
  const listen = raw.listen === undefined ? [{}] : Array.isArray(raw.listen) ? raw.listen as Raw[] : [raw.listen as Raw];
  const { tcp: _tcp, workers: _w, ...top } = raw;
  const affinity = { ...((raw.affinity ?? {}) as Raw), store: 'memory' };
  return {
    ...top,
    affinity,
    admin: false,
    log: { level: 'silent' },
    pools,
    listen: listen.map((l) => ({ ...l, host: '127.0.0.1', port: keepPorts ? (l.port ?? 8080) : 0 })),
  };
}

/** How the corpus client talks to one listener. */
export interface Approach {
  /** Bytes written first on every connection (a PROXY header on acceptProxy listeners). */
  prefix: string;
  tls: boolean;
  /**
   * Whether a client-chosen forwarding address arriving upstream is a finding: not when the
   * listener trusts the selftest's own address (127.0.0.1) by a CIDR list, as it trusts a local proxy.
   */
  checkSpoof: boolean;
  /** Why the listener cannot be tested from 127.0.0.1 (undefined: it can). */
  skip: string | undefined;
}

/** An address inside the first CIDR (its network address), or a documentation address. */
function addressIn(cidrs: boolean | string[]): string {
  return Array.isArray(cidrs) && cidrs.length ? cidrs[0]!.split('/')[0]! : '192.0.2.1';
}

export function approach(l: Listen, port: number): Approach {
  const tls = l.tls !== undefined;
  const trusted = (ip: string) => l.trustProxy === true || (Array.isArray(l.trustProxy) && cidrMatcher(l.trustProxy)(ip));
  if (l.acceptProxy === false) {
    return { prefix: '', tls, checkSpoof: !(Array.isArray(l.trustProxy) && trusted('127.0.0.1')), skip: undefined };
  }
  if (Array.isArray(l.acceptProxy) && !cidrMatcher(l.acceptProxy)('127.0.0.1')) {
    return { prefix: '', tls, checkSpoof: false, skip: 'acceptProxy does not allow 127.0.0.1 to send a PROXY header' };
  }
  // any sender may name any source: claim one the listener trusts, as a hostile client would;
  // a listed sender (here the selftest) passes on an outside client's address
  const source = l.acceptProxy === true ? addressIn(l.trustProxy) : '192.0.2.1';
  const dest = isIPv6(source) ? '::1' : '127.0.0.1';
  const prefix = encodeV1({ source: { address: source, port: 40000 }, destination: { address: dest, port } }).toString('latin1');
  return { prefix, tls, checkSpoof: true, skip: undefined };
}
