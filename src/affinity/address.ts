// A client address masked by the affinity netmask: the client part of a persistence template.
import { isIPv4, isIPv6 } from 'node:net';
import { expandV6 } from '../schedulers/hash.js';

/** netmask ≤ 32 applies to IPv4 as is and to IPv6 as netmask + 96 (32 ↔ /128, 24 ↔ /120);
 *  netmask > 32 is an IPv6 prefix and IPv4 addresses keep /32. */
export function prefixFor(v6: boolean, netmask: number): number {
  if (v6) return netmask <= 32 ? netmask + 96 : netmask;
  return netmask <= 32 ? netmask : 32;
}

const cache = new Map<string, string>();
let cacheMask = -1;

/**
 * '10.0.0.77', 24 → '10.0.0.0/24'; a full-length prefix gives the bare address.
 * `::ffff:a.b.c.d` counts as IPv4. Anything that is not an address is returned unchanged.
 */
export function maskAddress(ip: string, netmask: number): string {
  if (cacheMask !== netmask) {
    cache.clear();
    cacheMask = netmask;
  }
  const hit = cache.get(ip);
  if (hit !== undefined) return hit;
  const out = compute(ip, netmask);
  if (cache.size >= 10_000) cache.clear();
  cache.set(ip, out);
  return out;
}

function compute(ip: string, netmask: number): string {
  const a = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(a)) {
    const bits = prefixFor(false, netmask);
    if (bits === 32) return a;
    const p = a.split('.');
    const v = ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
    const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const n = (v & m) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${bits}`;
  }
  if (isIPv6(a)) {
    const bits = prefixFor(true, netmask);
    const w = expandV6(a.split('%')[0]!);
    if (bits === 128) return w.map((x) => x.toString(16)).join(':');
    for (let i = 0; i < 8; i++) {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      w[i] = keep === 0 ? 0 : w[i]! & ((0xffff << (16 - keep)) & 0xffff);
    }
    return `${w.map((x) => x.toString(16)).join(':')}/${bits}`;
  }
  return ip;
}

// IPv4 keys as numbers: the affinity table stores a /32 client template as its 32-bit value.

/** The 32-bit value of a canonical dotted quad ("10.0.0.7", no leading zeros), else -1. */
export function ipv4Value(k: string): number {
  const key = ipv4Key(k);
  const v = Math.floor(key / 64);
  return key >= 0 && key - v * 64 === 1 ? v : -1;
}

/**
 * A canonical IPv4 key — "10.0.0.7" or, as maskAddress writes a masked one, "10.0.0.0/24" — as
 * value × 64 + form, where form 1 is a bare address and 2 + p a "/p" suffix (p 0–32); -1 for
 * anything else (leading zeros included). Lossless: ipv4KeyString gives the same string back.
 * One pass over the characters: the affinity table calls it on every look-up.
 */
export function ipv4Key(k: string): number {
  const n = k.length;
  if (n < 7 || n > 18) return -1;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else if (c === 47) break;
    else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  v = v * 256 + part;
  if (i === n) return v * 64 + 1;
  // "/p": one or two digits, no leading zero, at most 32
  const m = n - i - 1;
  if (m < 1 || m > 2) return -1;
  const d0 = k.charCodeAt(i + 1) - 48;
  if (d0 < 0 || d0 > 9) return -1;
  if (m === 1) return v * 64 + 2 + d0;
  const d1 = k.charCodeAt(i + 2) - 48;
  const p = d0 * 10 + d1;
  if (d0 === 0 || d1 < 0 || d1 > 9 || p > 32) return -1;
  return v * 64 + 2 + p;
}

/** The string of an ipv4Key value (its 32-bit value, unsigned, and its form). */
export function ipv4KeyString(v: number, form: number): string {
  return form === 1 ? ipv4String(v) : `${ipv4String(v)}/${form - 2}`;
}

/** The dotted quad of a 32-bit value (the inverse of ipv4Value; int32 values are taken unsigned). */
export function ipv4String(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
