// CIDR membership for trustProxy lists (IPv4 and IPv6, IPv4-mapped IPv6 folded to IPv4).
import { isIPv4, isIPv6 } from 'node:net';
import { expandV6 } from '../schedulers/hash.js';

function toBits(ip: string): { v6: boolean; words: number[] } | undefined {
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) ip = ip.slice(7);
  if (isIPv4(ip)) return { v6: false, words: [ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0)] };
  if (isIPv6(ip)) {
    const g = expandV6(ip);
    return { v6: true, words: [0, 1, 2, 3].map((w) => ((g[2 * w]! << 16) | g[2 * w + 1]!) >>> 0) };
  }
  return undefined;
}

export function cidrMatcher(cidrs: readonly string[]): (ip: string) => boolean {
  const nets = cidrs.map((c) => {
    const [addr, len] = c.split('/') as [string, string];
    return { net: toBits(addr)!, bits: Number(len) };
  });
  return (ip: string) => {
    const a = toBits(ip);
    if (!a) return false;
    return nets.some(({ net, bits }) => {
      if (net.v6 !== a.v6) return false;
      let left = bits;
      for (let w = 0; w < a.words.length && left > 0; w++, left -= 32) {
        const n = Math.min(32, left);
        const mask = n === 32 ? 0xffffffff : ~(0xffffffff >>> n) >>> 0;
        if (((a.words[w]! & mask) >>> 0) !== ((net.words[w]! & mask) >>> 0)) return false;
      }
      return true;
    });
  };
}
