// One stable 32-bit string hash for every scheduler (murmur3_x86_32 over UTF-8), and the IPVS
// integer mix for client addresses (docs/schedulers.md#load-figure-and-hashing).
import { isIPv4, isIPv6 } from 'node:net';

const enc = new TextEncoder();

export function murmur3(key: string, seed = 0): number {
  // Fast path for ASCII keys (paths almost always are): read char codes directly.
  let ascii = true;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 127) { ascii = false; break; }
  return ascii ? mmAscii(key, seed) : mmBytes(enc.encode(key), seed);
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function tail(h: number, k: number, len: number): number {
  if (k !== 0 || (len & 3) !== 0) {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  return fmix32(h ^ len);
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed integer hash. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mmAscii(s: string, seed: number): number {
  let h = seed | 0;
  const n = s.length;
  const full = n & ~3;
  let i = 0;
  for (; i < full; i += 4) {
    h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  }
  let k = 0;
  const r = n & 3;
  if (r >= 3) k ^= s.charCodeAt(i + 2) << 16;
  if (r >= 2) k ^= s.charCodeAt(i + 1) << 8;
  if (r >= 1) k ^= s.charCodeAt(i);
  return tail(h, k, n);
}

function mmBytes(b: Uint8Array, seed: number): number {
  let h = seed | 0;
  const n = b.length;
  const full = n & ~3;
  let i = 0;
  for (; i < full; i += 4) h = mix(h, b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
  let k = 0;
  const r = n & 3;
  if (r >= 3) k ^= b[i + 2]! << 16;
  if (r >= 2) k ^= b[i + 1]! << 8;
  if (r >= 1) k ^= b[i]!;
  return tail(h, k, n);
}

/** Client address as IPVS hashes it: IPv4 as a host-order u32; IPv6 folded by XOR of its words. */
export function addrToU32(ip: string): number {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) {
    const p = v4.split('.');
    return ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
  }
  if (isIPv6(ip)) {
    const words = expandV6(ip);
    let x = 0;
    for (let w = 0; w < 4; w++) x ^= ((words[2 * w]! << 16) | words[2 * w + 1]!) >>> 0;
    return x >>> 0;
  }
  return murmur3(ip);
}

/** The 8 16-bit groups of an IPv6 address. */
export function expandV6(ip: string): number[] {
  const [head, tailPart] = ip.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':') : []).flatMap((g) => {
    if (g.includes('.')) {
      const p = g.split('.').map(Number) as [number, number, number, number];
      return [(p[0] << 8) | p[1], (p[2] << 8) | p[3]];
    }
    return [parseInt(g, 16)];
  });
  const h = parse(head);
  const t = tailPart === undefined ? [] : parse(tailPart);
  const fill = tailPart === undefined ? [] : new Array<number>(8 - h.length - t.length).fill(0);
  return [...h, ...fill, ...t];
}

/** IPVS bucket for a 32-bit value: (v · 0x61C88647 mod 2^32) >>> (32 − bits). */
export function ipvsBucket(v: number, bits: number): number {
  return Math.imul(v, 0x61c88647) >>> 0 >>> (32 - bits);
}
