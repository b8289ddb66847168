// PROXY protocol headers towards backends (haproxy.org/download/2.8/doc/proxy-protocol.txt):
// v1 is one text line, v2 a 16-byte binary prefix followed by the address block.
import { isIPv4, isIPv6 } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

/** The two ends of the client's connection: who connected (source) and where to (destination). */
export interface ConnectionEnds {
  source: Endpoint;
  destination: Endpoint;
}

/** The 12 bytes every v2 header starts with. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function plainV4(a: string): string | undefined {
  if (isIPv4(a)) return a;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m && isIPv4(m[1]!) ? m[1] : undefined;
}

/**
 * The family both ends share and their addresses written in it: TCP4 when both are IPv4 (or
 * IPv4-mapped IPv6), TCP6 otherwise (an IPv4 end is then written as ::ffff:a.b.c.d);
 * undefined when an address is not an IP at all.
 */
export function familyOf(ends: ConnectionEnds): { family: 'TCP4' | 'TCP6'; src: string; dst: string } | undefined {
  const s4 = plainV4(ends.source.address);
  const d4 = plainV4(ends.destination.address);
  if (s4 !== undefined && d4 !== undefined) return { family: 'TCP4', src: s4, dst: d4 };
  const six = (a: string, v4: string | undefined) => (v4 !== undefined ? `::ffff:${v4}` : isIPv6(a) ? a : undefined);
  const src = six(ends.source.address, s4);
  const dst = six(ends.destination.address, d4);
  if (src === undefined || dst === undefined) return undefined;
  return { family: 'TCP6', src, dst };
}

/** `PROXY TCP4 src dst sport dport\r\n`, or `PROXY UNKNOWN\r\n` when the ends are not IP. */
export function encodeV1(ends: ConnectionEnds | undefined): Buffer {
  const f = ends && familyOf(ends);
  if (!f || !ends) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY ${f.family} ${f.src} ${f.dst} ${ends.source.port} ${ends.destination.port}\r\n`, 'latin1');
}

/** 16 bytes of an IPv6 address (any textual form node accepts, including embedded IPv4). */
export function ipv6Bytes(a: string): Buffer {
  let s = a.replace(/%.*$/, ''); // zone id
  let tail: number[] = [];
  const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (m) {
    tail = [(Number(m[2]) << 8) | Number(m[3]), (Number(m[4]) << 8) | Number(m[5])];
    s = m[1]!;
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const part = (x: string) => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const dbl = s.indexOf('::');
  let groups: number[];
  if (dbl === -1) groups = [...part(s), ...tail];
  else {
    const h = part(s.slice(0, dbl));
    const r = part(s.slice(dbl + 2));
    groups = [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length - tail.length)).fill(0), ...r, ...tail];
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i] ?? 0, i * 2);
  return out;
}

/**
 * A v2 header. `undefined` ends (or the LOCAL command) give a LOCAL header with no addresses:
 * the receiver then uses the connection's own addresses (health checks, probes).
 */
export function encodeV2(ends: ConnectionEnds | undefined, command: 'PROXY' | 'LOCAL' = 'PROXY'): Buffer {
  const f = command === 'PROXY' && ends ? familyOf(ends) : undefined;
  if (!f || !ends) {
    const b = Buffer.alloc(16);
    V2_SIGNATURE.copy(b);
    b[12] = 0x20; // version 2, LOCAL
    b[13] = 0x00; // AF_UNSPEC, UNSPEC
    return b; // length 0
  }
  const v4 = f.family === 'TCP4';
  const len = v4 ? 12 : 36;
  const b = Buffer.alloc(16 + len);
  V2_SIGNATURE.copy(b);
  b[12] = 0x21; // version 2, PROXY
  b[13] = v4 ? 0x11 : 0x21; // AF_INET / AF_INET6, STREAM
  b.writeUInt16BE(len, 14);
  if (v4) {
    f.src.split('.').forEach((x, i) => (b[16 + i] = Number(x)));
    f.dst.split('.').forEach((x, i) => (b[20 + i] = Number(x)));
    b.writeUInt16BE(ends.source.port, 24);
    b.writeUInt16BE(ends.destination.port, 26);
  } else {
    ipv6Bytes(f.src).copy(b, 16);
    ipv6Bytes(f.dst).copy(b, 32);
    b.writeUInt16BE(ends.source.port, 48);
    b.writeUInt16BE(ends.destination.port, 50);
  }
  return b;
}

export function encodeHeader(version: 'v1' | 'v2', ends: ConnectionEnds | undefined): Buffer {
  return version === 'v1' ? encodeV1(ends) : encodeV2(ends);
}
