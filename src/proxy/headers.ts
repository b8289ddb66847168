// Header handling on raw arrays: hop-by-hop removal and X-Forwarded-* (product.md, Data plane).

const HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'http2-settings']);
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

/** Extra hop-by-hop names listed in a Connection header value. */
function connectionTokens(v: string | undefined): Set<string> | undefined {
  if (!v) return undefined;
  const s = new Set<string>();
  for (const t of v.split(',')) {
    const n = t.trim().toLowerCase();
    if (n && n !== 'close' && n !== 'keep-alive' && n !== 'upgrade') s.add(n);
  }
  return s.size ? s : undefined;
}

export interface ForwardInfo {
  /** The address that connected to us (appended to X-Forwarded-For). */
  peerIp: string;
  proto: 'http' | 'https';
  /** Keep and append to incoming X-Forwarded-* (trusted peer) instead of replacing them. */
  trusted: boolean;
  /** Keep Connection: upgrade / Upgrade (for tunnelled upgrade requests). */
  upgrade: boolean;
}

/**
 * Request headers for the backend, as a flat [name, value, …] array: hop-by-hop headers out,
 * X-Forwarded-For/-Proto/-Host set (or appended to when trusted).
 */
export function requestHeaders(raw: readonly string[], connection: string | undefined, f: ForwardInfo): string[] {
  const extra = connectionTokens(connection);
  const out: string[] = [];
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower) || (extra !== undefined && extra.has(lower))) {
      if (f.upgrade && (lower === 'upgrade' || lower === 'connection')) out.push(name, lower === 'connection' ? 'Upgrade' : raw[i + 1]!);
      continue;
    }
    if (FORWARDED.has(lower)) {
      if (!f.trusted) continue;
      if (lower === 'x-forwarded-for') {
        xff = xff === undefined ? raw[i + 1]! : `${xff}, ${raw[i + 1]!}`;
        continue;
      }
      if (lower === 'x-forwarded-proto') xfp ??= raw[i + 1]!;
      else if (lower === 'x-forwarded-host') xfh ??= raw[i + 1]!;
      else out.push(name, raw[i + 1]!);
      continue;
    }
    if (lower === 'host') host = raw[i + 1]!;
    out.push(name, raw[i + 1]!);
  }
  out.push('x-forwarded-for', xff === undefined ? f.peerIp : `${xff}, ${f.peerIp}`);
  out.push('x-forwarded-proto', xfp ?? f.proto);
  const fh = xfh ?? host;
  if (fh !== undefined) out.push('x-forwarded-host', fh);
  return out;
}

/** Response headers for the client from undici's raw Buffer array: hop-by-hop headers out. */
export function responseHeaders(raw: readonly Buffer[]): { headers: string[]; contentType: string | undefined } {
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toString('latin1').toLowerCase() === 'connection') {
      extra = connectionTokens(raw[i + 1]!.toString('latin1'));
    }
  }
  const out: string[] = [];
  let contentType: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (HOP.has(lower) || (extra !== undefined && extra.has(lower))) continue;
    const value = raw[i + 1]!.toString('latin1');
    if (lower === 'content-type') contentType = value;
    out.push(name, value);
  }
  return { headers: out, contentType };
}

/** Client address from a trusted X-Forwarded-For: the rightmost address not itself trusted. */
export function clientFromXff(xff: string, isTrusted: (ip: string) => boolean): string | undefined {
  const parts = xff.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    if (i === 0 || !isTrusted(parts[i]!)) return parts[i];
  }
  return undefined;
}
