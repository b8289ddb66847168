// Header handling on raw arrays: hop-by-hop removal, X-Forwarded-* and the other client-address
// headers (removed unless the peer is trusted), names with '_' (dropped unless allowed).

export const HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'http2-settings']);
export const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'true-client-ip']);

/** Extra hop-by-hop names listed in a Connection header value. */
function connectionTokens(v: string | undefined): Set<string> | undefined {
  if (!v) return undefined;
  // the usual values name no extra header: answer without splitting
  if (v.length === 10 || v.length === 5) {
    const l = v.toLowerCase();
    if (l === 'keep-alive' || l === 'close') return undefined;
  }
  const s = new Set<string>();
  for (const t of v.split(',')) {
    const n = t.trim().toLowerCase();
    if (n && n !== 'close' && n !== 'keep-alive' && n !== 'upgrade') s.add(n);
  }
  return s.size ? s : undefined;
}

/**
 * Lengths of every name requestHeaders treats specially (hop-by-hop, forwarding, host): a header
 * of any other length is copied through without being lower-cased. An underscore variant
 * (`x_forwarded_for`) has the length of its dashed name, so it is caught here too.
 */
const SPECIAL_LENGTHS = new Uint8Array(32);
for (const n of [...HOP, ...FORWARDED, 'host']) SPECIAL_LENGTHS[n.length] = 1;

export interface ForwardInfo {
  /** The address that connected to us (appended to X-Forwarded-For). */
  peerIp: string;
  proto: 'http' | 'https';
  /** Keep and append to incoming X-Forwarded-* (trusted peer) instead of replacing them. */
  trusted: boolean;
  /** Keep Connection: upgrade / Upgrade (for tunnelled upgrade requests). */
  upgrade: boolean;
  /** listen.allowUnderscoreHeaders: forward names with '_' (default: drop them). */
  allowUnderscore?: boolean;
}

/**
 * Request headers for the backend, as a flat [name, value, …] array: hop-by-hop headers out,
 * X-Forwarded-For/-Proto/-Host set (or appended to when trusted), X-Real-IP / True-Client-IP
 * kept only from a trusted peer, names with '_' dropped unless allowed.
 */
export function requestHeaders(raw: readonly string[], connection: string | undefined, f: ForwardInfo): string[] {
  const extra = connectionTokens(connection);
  const underscore = f.allowUnderscore === true;
  const out: string[] = [];
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (extra === undefined && (name.length >= 32 || SPECIAL_LENGTHS[name.length] === 0)) {
      if (underscore || name.indexOf('_') === -1) out.push(name, raw[i + 1]!);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower.indexOf('_') !== -1) {
      if (!underscore) continue;
      // a backend may read `_` as `-` (CGI-style): the dashed name decides what this header is
      const dashed = lower.replaceAll('_', '-');
      if (HOP.has(dashed) || (extra !== undefined && (extra.has(lower) || extra.has(dashed)))) continue;
      if (FORWARDED.has(dashed) && !f.trusted) continue;
      out.push(name, raw[i + 1]!);
      continue;
    }
    // Host is never stripped by Connection (request-check.ts refuses such requests anyway)
    if (HOP.has(lower) || (extra !== undefined && extra.has(lower) && lower !== 'host')) {
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

/**
 * Buffer → string for header names and values, through a small direct-mapped cache: a backend
 * repeats the same names and most values (content-type, content-length, server, date within a
 * second), and comparing a few bytes costs far less than a native decode and a new string.
 */
const CACHE_SLOTS = 512;
const cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
const CACHE_MAX_LEN = 64;

export function latin1(b: Buffer): string {
  const n = b.length;
  if (n === 0) return '';
  if (n > CACHE_MAX_LEN) return b.toString('latin1');
  const slot = (n * 31 + b[0]! * 7 + b[n - 1]! * 3 + b[n >> 1]!) & (CACHE_SLOTS - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === b[i]) i++;
    if (i === n) return hit;
  }
  const str = b.toString('latin1');
  cache[slot] = str;
  return str;
}

/** A raw field as a string (undici gives Buffers, the fast engine's parser strings). */
function text(v: Buffer | string): string {
  return typeof v === 'string' ? v : latin1(v);
}

/** Response headers for the client from a raw field array: hop-by-hop headers out. */
export function responseHeaders(raw: readonly (Buffer | string)[]): { headers: string[]; contentType: string | undefined; cache: string | undefined; contentLength?: string | undefined } {
  // One pass: names are decoded once, values only for headers that are kept.
  const out: string[] = [];
  let contentType: string | undefined;
  let cache: string | undefined;
  let contentLength: string | undefined;
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]!);
    const lower = name.toLowerCase();
    if (HOP.has(lower)) {
      if (lower === 'connection') extra = connectionTokens(text(raw[i + 1]!));
      continue;
    }
    const value = text(raw[i + 1]!);
    if (lower === 'content-type') contentType = value;
    else if (lower === 'x-cache') cache = value;
    else if (lower === 'content-length') contentLength = value;
    out.push(name, value);
  }
  // rare: a Connection header naming further hop-by-hop headers (may come after them)
  if (extra !== undefined) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!extra.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    if (contentType !== undefined && extra.has('content-type')) contentType = undefined;
    if (cache !== undefined && extra.has('x-cache')) cache = undefined;
    return { headers: kept, contentType, cache, contentLength };
  }
  return { headers: out, contentType, cache, contentLength };
}

/** Client address from a trusted X-Forwarded-For: the rightmost address not itself trusted. */
export function clientFromXff(xff: string, isTrusted: (ip: string) => boolean): string | undefined {
  const parts = xff.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    if (i === 0 || !isTrusted(parts[i]!)) return parts[i];
  }
  return undefined;
}
