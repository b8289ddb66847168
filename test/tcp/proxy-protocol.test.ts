// PROXY protocol v1/v2: exact bytes of the encoder, the incremental parser over split reads, the
// spec's limits, and clear errors for malformed headers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeV1, encodeV2, ipv6Bytes, V2_SIGNATURE } from '../../src/proxy-protocol/encode.js';
import { parseProxyHeader, ProxyHeaderParser, V1_MAX, type ParseResult } from '../../src/proxy-protocol/parse.js';

const ends4 = { source: { address: '192.0.2.10', port: 51234 }, destination: { address: '198.51.100.1', port: 5433 } };
const ends6 = { source: { address: '2001:db8::7', port: 40000 }, destination: { address: '2001:db8::1', port: 443 } };

function feed(chunks: Buffer[]): ParseResult {
  const p = new ProxyHeaderParser();
  let r: ParseResult = { kind: 'more' };
  for (const c of chunks) {
    r = p.push(c);
    if (r.kind !== 'more') return r;
  }
  return r;
}

function errorOf(b: Buffer | string): string {
  const r = new ProxyHeaderParser().push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  if (r.kind !== 'error') throw new Error(`expected an error, got ${r.kind}`);
  return r.message;
}

describe('encode', () => {
  it('v1 TCP4 / TCP6 / UNKNOWN lines', () => {
    expect(encodeV1(ends4).toString('latin1')).toBe('PROXY TCP4 192.0.2.10 198.51.100.1 51234 5433\r\n');
    expect(encodeV1(ends6).toString('latin1')).toBe('PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n');
    expect(encodeV1(undefined).toString('latin1')).toBe('PROXY UNKNOWN\r\n');
    // IPv4-mapped IPv6 ends are IPv4; a mixed pair is written as TCP6
    const mapped = { source: { address: '::ffff:10.0.0.1', port: 1 }, destination: { address: '10.0.0.2', port: 2 } };
    expect(encodeV1(mapped).toString('latin1')).toBe('PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n');
    const mixed = { source: { address: '10.0.0.1', port: 1 }, destination: { address: '::1', port: 2 } };
    expect(encodeV1(mixed).toString('latin1')).toBe('PROXY TCP6 ::ffff:10.0.0.1 ::1 1 2\r\n');
  });

  it('v2 TCP4 bytes', () => {
    const b = encodeV2(ends4);
    expect(b.toString('hex')).toBe(
      '0d0a0d0a000d0a515549540a' + '21' + '11' + '000c' + 'c000020a' + 'c6336401' + 'c822' + '1539',
    );
  });

  it('v2 TCP6 bytes and LOCAL', () => {
    const b = encodeV2(ends6);
    expect(b.subarray(0, 16).toString('hex')).toBe('0d0a0d0a000d0a515549540a' + '21' + '21' + '0024');
    expect(b.subarray(16, 32).toString('hex')).toBe('20010db8000000000000000000000007');
    expect(b.subarray(32, 48).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(b.readUInt16BE(48)).toBe(40000);
    expect(b.readUInt16BE(50)).toBe(443);
    expect(encodeV2(undefined).toString('hex')).toBe('0d0a0d0a000d0a515549540a' + '20' + '00' + '0000');
    expect(encodeV2(ends4, 'LOCAL').length).toBe(16);
  });

  it('ipv6Bytes handles compressed, embedded-IPv4 and full forms', () => {
    expect(ipv6Bytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipv6Bytes('::').toString('hex')).toBe('0'.repeat(32));
    expect(ipv6Bytes('::ffff:1.2.3.4').toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(ipv6Bytes('fe80::1:0:0:2').toString('hex')).toBe('fe800000000000000001000000000002');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).toBe('00010002000300040005000600070008');
    expect(ipv6Bytes('1::').toString('hex')).toBe('00010000000000000000000000000000');
  });
});

describe('parse', () => {
  it('v1 TCP4 with the bytes after the header kept', () => {
    const r = parseProxyHeader(Buffer.concat([encodeV1(ends4), Buffer.from('GET / HTTP/1.1\r\n')]));
    expect(r.kind).toBe('done');
    if (r.kind !== 'done') return;
    expect(r.header).toMatchObject({ version: 1, command: 'PROXY', family: 'TCP4', ends: ends4 });
    expect(r.header.length).toBe(encodeV1(ends4).length);
    expect(r.rest.toString()).toBe('GET / HTTP/1.1\r\n');
  });

  it('v1 UNKNOWN (with and without addresses) carries no ends', () => {
    for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n']) {
      const r = parseProxyHeader(Buffer.from(line));
      expect(r.kind === 'done' && r.header.family === 'UNKNOWN' && r.header.ends === undefined).toBe(true);
    }
  });

  it('v2 TCP4, TCP6, LOCAL round trip', () => {
    for (const ends of [ends4, ends6]) {
      const r = parseProxyHeader(encodeV2(ends));
      expect(r.kind === 'done' && r.header.ends).toEqual(ends);
    }
    const l = parseProxyHeader(encodeV2(undefined));
    expect(l.kind === 'done' && l.header).toMatchObject({ version: 2, command: 'LOCAL', ends: undefined });
  });

  it('v2 TLVs are returned and skipped', () => {
    const base = encodeV2(ends4);
    const tlv = Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00]); // ALPN "h2", NOOP empty
    const b = Buffer.concat([base, tlv, Buffer.from('payload')]);
    b.writeUInt16BE(12 + tlv.length, 14);
    const r = parseProxyHeader(b);
    expect(r.kind).toBe('done');
    if (r.kind !== 'done') return;
    expect(r.header.tlvs.map((t) => [t.type, t.value.toString()])).toEqual([[1, 'h2'], [4, '']]);
    expect(r.rest.toString()).toBe('payload');
  });

  it('split reads: every split point of v1 and v2 headers gives the same result', () => {
    for (const hdr of [encodeV1(ends4), encodeV1(ends6), encodeV2(ends4), encodeV2(ends6)]) {
      const whole = Buffer.concat([hdr, Buffer.from('DATA')]);
      for (let i = 1; i < whole.length; i++) {
        const r = feed([whole.subarray(0, i), whole.subarray(i)]);
        expect(r.kind).toBe('done');
        // rest: the bytes of the chunk that completed the header which follow it
        if (r.kind === 'done') expect(r.rest.toString()).toBe(i < hdr.length ? 'DATA' : whole.subarray(hdr.length, i).toString());
      }
      // one byte at a time
      const bytes = [...whole].map((x) => Buffer.from([x]));
      const p = new ProxyHeaderParser();
      const results = bytes.map((b) => p.push(b));
      const done = results.findIndex((r) => r.kind === 'done');
      expect(done).toBe(hdr.length - 1);
      expect(results.slice(0, done).every((r) => r.kind === 'more')).toBe(true);
    }
  });

  it('property: any v1/v2 header split into random chunks parses to its ends (fast-check, seeded)', () => {
    const ip4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    const ip6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
    const port = fc.nat(65535);
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), ip4, ip4, ip6, ip6, port, port, fc.array(fc.nat(120), { maxLength: 6 }), (v2, six, a, b, c, d, sp, dp, cuts) => {
        const ends = { source: { address: six ? c : a, port: sp }, destination: { address: six ? d : b, port: dp } };
        const hdr = v2 ? encodeV2(ends) : encodeV1(ends);
        const points = [...new Set(cuts.map((x) => x % (hdr.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const pt of points) {
          chunks.push(hdr.subarray(prev, pt));
          prev = pt;
        }
        chunks.push(hdr.subarray(prev));
        const r = feed(chunks.filter((x) => x.length > 0));
        const norm = (x: string) => (six ? ipv6Bytes(x).toString('hex') : x);
        const got = r.kind === 'done' && r.header.ends
          ? { source: norm(r.header.ends.source.address), destination: norm(r.header.ends.destination.address), sp: r.header.ends.source.port, dp: r.header.ends.destination.port, rest: r.rest.length }
          : r.kind;
        expect(got).toEqual({ source: norm(ends.source.address), destination: norm(ends.destination.address), sp, dp, rest: 0 });
      }),
      { seed: 4242, numRuns: 500 },
    );
  });
});

describe('limits and malformed headers', () => {
  it('v1: no CRLF within 107 bytes', () => {
    const long = 'PROXY TCP4 ' + '1'.repeat(V1_MAX);
    expect(errorOf(long)).toMatch(/no CRLF within 107 bytes/);
    // exactly at the limit is still fine: pad an UNKNOWN line to 107 bytes
    const ok = 'PROXY UNKNOWN ' + 'x'.repeat(V1_MAX - 16) + '\r\n';
    expect(ok.length).toBe(V1_MAX);
    expect(parseProxyHeader(Buffer.from(ok)).kind).toBe('done');
    const over = 'PROXY UNKNOWN ' + 'x'.repeat(V1_MAX - 15) + '\r\n';
    expect(errorOf(over)).toMatch(/107/);
    // the limit also holds when the line arrives in pieces
    const p = new ProxyHeaderParser();
    expect(p.push(Buffer.from('PROXY TCP4 ')).kind).toBe('more');
    const r = p.push(Buffer.from('9'.repeat(100)));
    expect(r.kind).toBe('error');
  });

  it('v1: bad shapes', () => {
    expect(errorOf('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')).toMatch(/CRLF/);
    expect(errorOf('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n')).toMatch(/unknown protocol "TCP5"/);
    expect(errorOf('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n')).toMatch(/expected "PROXY TCP4 src dst sport dport"/);
    expect(errorOf('PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n')).toMatch(/bad TCP4 source address "1.2.3.400"/);
    expect(errorOf('PROXY TCP4 1.2.3.4 ::1 1 2\r\n')).toMatch(/bad TCP4 destination address/);
    expect(errorOf('PROXY TCP6 1.2.3.4 ::1 1 2\r\n')).toMatch(/bad TCP6 source address/);
    expect(errorOf('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n')).toMatch(/bad source port "65536"/);
    expect(errorOf('PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n')).toMatch(/bad destination port/);
    expect(errorOf('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n')).toMatch(/PROXY v1/);
    expect(errorOf('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\x00\r\n')).toMatch(/non-printable/);
  });

  it('not a PROXY header at all: detected from the first bytes', () => {
    expect(errorOf('GET / HTTP/1.1\r\n')).toMatch(/not a PROXY protocol header/);
    expect(errorOf('PROX!')).toMatch(/not a PROXY protocol header/);
    expect(errorOf(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01]))).toMatch(/not a PROXY protocol header/);
    expect(errorOf(Buffer.from([0x16, 0x03, 0x01]))).toMatch(/not a PROXY protocol header/); // a TLS hello
  });

  it('v2: version, command, family, length limits, truncated TLVs', () => {
    const h = (mod: (b: Buffer) => void, base = encodeV2(ends4)) => {
      const b = Buffer.from(base);
      mod(b);
      return b;
    };
    expect(errorOf(h((b) => (b[12] = 0x11)))).toMatch(/unsupported version 1/);
    expect(errorOf(h((b) => (b[12] = 0x23)))).toMatch(/unknown command 3/);
    expect(errorOf(h((b) => (b[13] = 0x41)))).toMatch(/unknown address family 4/);
    expect(errorOf(h((b) => (b[13] = 0x12)))).toMatch(/only STREAM/);
    expect(errorOf(h((b) => b.writeUInt16BE(8, 14)))).toMatch(/shorter than the 12-byte address block/);
    expect(errorOf(h((b) => b.writeUInt16BE(60000, 14)))).toMatch(/length 60000 exceeds the limit of 4096/);
    const withTlv = Buffer.concat([encodeV2(ends4), Buffer.from([0x01, 0x00, 0x09, 0x41])]);
    withTlv.writeUInt16BE(16, 14);
    expect(errorOf(withTlv)).toMatch(/overruns the header/);
    const trunc = Buffer.concat([encodeV2(ends4), Buffer.from([0x01, 0x00])]);
    trunc.writeUInt16BE(14, 14);
    expect(errorOf(trunc)).toMatch(/truncated TLV/);
    // a configurable cap
    const big = Buffer.concat([encodeV2(ends4), Buffer.alloc(201)]); // 67 empty TLVs of type 0
    big.writeUInt16BE(213, 14);
    expect(new ProxyHeaderParser(100).push(big)).toMatchObject({ kind: 'error' });
    expect(new ProxyHeaderParser(300).push(big).kind).toBe('done');
  });

  it('a finished parser refuses more input; an incomplete buffer is an error for parseProxyHeader', () => {
    const p = new ProxyHeaderParser();
    expect(p.push(encodeV1(ends4)).kind).toBe('done');
    expect(p.push(Buffer.from('x')).kind).toBe('error');
    expect(parseProxyHeader(V2_SIGNATURE).kind).toBe('error');
  });
});
