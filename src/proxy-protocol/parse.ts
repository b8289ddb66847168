// Incremental PROXY protocol v1/v2 parser: feed it the connection's first chunks as they arrive
// (a header may be split over any number of reads); it answers 'more', 'done' with the header and
// the bytes that follow it, or 'error' with a message fit for a log line. It never throws.
import { isIPv4, isIPv6, SocketAddress } from 'node:net';
import { V2_SIGNATURE, type ConnectionEnds } from './encode.js';

/** Longest v1 line the spec allows, CRLF included. */
export const V1_MAX = 107;
/** Default cap on a v2 header's address + TLV block (the 16-bit length allows 65535). */
export const V2_MAX_DEFAULT = 4096;

export interface Tlv {
  type: number;
  value: Buffer;
}

export interface ProxyHeader {
  version: 1 | 2;
  /** LOCAL (v2 only): a connection the balancer made itself; use the socket's own addresses. */
  command: 'PROXY' | 'LOCAL';
  /** TCP4/TCP6 carry addresses; UNKNOWN (v1 UNKNOWN, v2 AF_UNSPEC or AF_UNIX) does not. */
  family: 'TCP4' | 'TCP6' | 'UNKNOWN';
  ends: ConnectionEnds | undefined;
  /** v2 type-length-value extensions (ALPN, authority, CRC32C, unique id, vendor ones). */
  tlvs: Tlv[];
  /** Bytes the header took on the wire. */
  length: number;
}

export type ParseResult =
  | { kind: 'more' }
  | { kind: 'done'; header: ProxyHeader; rest: Buffer }
  | { kind: 'error'; message: string };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const EMPTY = Buffer.alloc(0);
/** The bytes after the header (a view, not a copy: they are handed straight back to the socket). */
const after = (buf: Buffer, at: number) => (at < buf.length ? buf.subarray(at) : EMPTY);

function show(b: Buffer): string {
  return JSON.stringify(b.subarray(0, 48).toString('latin1'));
}

function port(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function v1Line(line: string, length: number): ParseResult {
  const parts = line.split(' ');
  const fam = parts[1];
  if (fam === 'UNKNOWN') {
    return { kind: 'done', header: { version: 1, command: 'PROXY', family: 'UNKNOWN', ends: undefined, tlvs: [], length }, rest: EMPTY };
  }
  if (fam !== 'TCP4' && fam !== 'TCP6') return { kind: 'error', message: `PROXY v1: unknown protocol ${JSON.stringify(fam ?? '')} (expected TCP4, TCP6 or UNKNOWN)` };
  if (parts.length !== 6) return { kind: 'error', message: `PROXY v1: expected "PROXY ${fam} src dst sport dport", got ${JSON.stringify(line)}` };
  const [, , src, dst, sp, dp] = parts as [string, string, string, string, string, string];
  const isIp = fam === 'TCP4' ? isIPv4 : isIPv6;
  if (!isIp(src)) return { kind: 'error', message: `PROXY v1: bad ${fam} source address ${JSON.stringify(src)}` };
  if (!isIp(dst)) return { kind: 'error', message: `PROXY v1: bad ${fam} destination address ${JSON.stringify(dst)}` };
  const sport = port(sp);
  const dport = port(dp);
  if (sport === undefined) return { kind: 'error', message: `PROXY v1: bad source port ${JSON.stringify(sp)}` };
  if (dport === undefined) return { kind: 'error', message: `PROXY v1: bad destination port ${JSON.stringify(dp)}` };
  return {
    kind: 'done',
    header: { version: 1, command: 'PROXY', family: fam, ends: { source: { address: src, port: sport }, destination: { address: dst, port: dport } }, tlvs: [], length },
    rest: EMPTY,
  };
}

function ipv4Text(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6Text(b: Buffer, at: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(at + i * 2).toString(16));
  return new SocketAddress({ address: g.join(':'), family: 'ipv6' }).address; // canonical form
}

function v2Body(buf: Buffer, len: number): ParseResult {
  const verCmd = buf[12]!;
  const famProto = buf[13]!;
  const command = verCmd & 0x0f;
  const fam = famProto >> 4;
  const proto = famProto & 0x0f;
  const length = 16 + len;
  const body = buf.subarray(16, length);
  const base = { version: 2 as const, tlvs: [] as Tlv[], length };
  let addrLen = 0;
  let ends: ConnectionEnds | undefined;
  let family: ProxyHeader['family'] = 'UNKNOWN';
  if (fam === 0x1) addrLen = 12;
  else if (fam === 0x2) addrLen = 36;
  else if (fam === 0x3) addrLen = 216;
  else if (fam !== 0x0) return { kind: 'error', message: `PROXY v2: unknown address family ${fam}` };
  if (proto > 2) return { kind: 'error', message: `PROXY v2: unknown transport ${proto}` };
  if (len < addrLen) return { kind: 'error', message: `PROXY v2: length ${len} is shorter than the ${addrLen}-byte address block of family ${fam}` };
  if (command === 0x1 && (fam === 0x1 || fam === 0x2)) {
    if (proto !== 0x1) return { kind: 'error', message: 'PROXY v2: only STREAM (TCP) connections are accepted' };
    if (fam === 0x1) {
      ends = { source: { address: ipv4Text(body, 0), port: body.readUInt16BE(8) }, destination: { address: ipv4Text(body, 4), port: body.readUInt16BE(10) } };
      family = 'TCP4';
    } else {
      ends = { source: { address: ipv6Text(body, 0), port: body.readUInt16BE(32) }, destination: { address: ipv6Text(body, 16), port: body.readUInt16BE(34) } };
      family = 'TCP6';
    }
  }
  const tlvs: Tlv[] = [];
  let o = addrLen;
  while (o < len) {
    if (o + 3 > len) return { kind: 'error', message: `PROXY v2: truncated TLV at offset ${o}` };
    const t = body[o]!;
    const l = body.readUInt16BE(o + 1);
    if (o + 3 + l > len) return { kind: 'error', message: `PROXY v2: TLV 0x${t.toString(16)} of ${l} bytes overruns the header` };
    tlvs.push({ type: t, value: Buffer.from(body.subarray(o + 3, o + 3 + l)) });
    o += 3 + l;
  }
  return {
    kind: 'done',
    header: { ...base, command: command === 0x0 ? 'LOCAL' : 'PROXY', family: command === 0x0 ? 'UNKNOWN' : family, ends: command === 0x0 ? undefined : ends, tlvs },
    rest: after(buf, length),
  };
}

export class ProxyHeaderParser {
  private buf: Buffer = EMPTY;
  private finished = false;

  constructor(private readonly maxV2Length = V2_MAX_DEFAULT) {}

  /** Feed the next chunk read from the connection. */
  push(chunk: Buffer): ParseResult {
    if (this.finished) return { kind: 'error', message: 'PROXY parser already finished' };
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const r = this.step();
    if (r.kind !== 'more') {
      this.finished = true;
      this.buf = EMPTY;
    }
    return r;
  }

  private step(): ParseResult {
    const buf = this.buf;
    if (buf.length === 0) return { kind: 'more' };
    if (buf[0] === V1_PREFIX[0]) {
      const n = Math.min(buf.length, V1_PREFIX.length);
      if (buf.compare(V1_PREFIX, 0, n, 0, n) !== 0) return { kind: 'error', message: `not a PROXY protocol header: ${show(buf)}` };
      const nl = buf.indexOf(0x0a);
      if (nl === -1 || nl >= V1_MAX) {
        if (nl >= V1_MAX || buf.length >= V1_MAX) return { kind: 'error', message: `PROXY v1: no CRLF within ${V1_MAX} bytes` };
        return { kind: 'more' };
      }
      if (buf[nl - 1] !== 0x0d) return { kind: 'error', message: 'PROXY v1: line must end with CRLF' };
      const line = buf.subarray(0, nl - 1).toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(line)) return { kind: 'error', message: `PROXY v1: non-printable bytes in ${JSON.stringify(line)}` };
      const r = v1Line(line, nl + 1);
      return r.kind === 'done' ? { ...r, rest: after(buf, nl + 1) } : r;
    }
    if (buf[0] === V2_SIGNATURE[0]) {
      const n = Math.min(buf.length, V2_SIGNATURE.length);
      if (buf.compare(V2_SIGNATURE, 0, n, 0, n) !== 0) return { kind: 'error', message: `not a PROXY protocol header: ${show(buf)}` };
      if (buf.length < 16) return { kind: 'more' };
      const version = buf[12]! >> 4;
      const command = buf[12]! & 0x0f;
      if (version !== 2) return { kind: 'error', message: `PROXY v2: unsupported version ${version}` };
      if (command > 1) return { kind: 'error', message: `PROXY v2: unknown command ${command}` };
      const len = buf.readUInt16BE(14);
      if (len > this.maxV2Length) return { kind: 'error', message: `PROXY v2: length ${len} exceeds the limit of ${this.maxV2Length} bytes` };
      if (buf.length < 16 + len) return { kind: 'more' };
      return v2Body(buf, len);
    }
    return { kind: 'error', message: `not a PROXY protocol header: ${show(buf)}` };
  }
}

/** Parse a complete buffer at once (tests, tools). */
export function parseProxyHeader(buf: Buffer, maxV2Length = V2_MAX_DEFAULT): ParseResult {
  const r = new ProxyHeaderParser(maxV2Length).push(buf);
  return r.kind === 'more' ? { kind: 'error', message: 'PROXY header incomplete' } : r;
}
