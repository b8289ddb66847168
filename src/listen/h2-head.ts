// An HTTP/2 request head as the pipeline reads an HTTP/1.1 one (docs/routing.md, "HTTP/2"):
// pseudo-headers become the method, the target and Host; connection-specific fields are refused;
// split Cookie fields are joined. Pure: node:http2's rawHeaders in, a RequestHead or a reason out.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHead } from '../pipeline/admit.js';

export interface H2Head extends RequestHead {
  readonly method: string;
  readonly url: string;
  /** [name, value, …] without pseudo-headers, Host first. */
  readonly rawHeaders: string[];
  readonly headers: IncomingHttpHeaders;
}

/** Fields that only mean something on one HTTP/1 connection; never valid on an HTTP/2 stream. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Map one stream's header list (lower-case names, as node:http2 gives them) to an HTTP/1.1-shaped
 * head with httpVersion 1.1, so the pipeline's checks (Host, header count, framing) apply as they
 * are; a string is the reason the stream is refused (400).
 */
export function h2Head(raw: readonly string[]): H2Head | string {
  let method: string | undefined;
  let path: string | undefined;
  let authority: string | undefined;
  let host: string | undefined;
  const out: string[] = [];
  const cookies: string[] = [];
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 58 /* : */) {
      if (name === ':method') method = value;
      else if (name === ':path') path = value;
      else if (name === ':authority') authority = value;
      else if (name !== ':scheme') return `pseudo-header ${name} is not allowed on a request`;
      continue;
    }
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific header ${name} is not allowed in HTTP/2`;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') return 'TE other than "trailers" is not allowed in HTTP/2';
    if (name === 'host') {
      if (host !== undefined) return 'duplicate Host';
      host = value;
      continue;
    }
    if (name === 'cookie') {
      cookies.push(value);
      continue;
    }
    out.push(name, value);
    const prev = headers[name];
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[name] = `${prev}, ${value}`;
  }
  if (method === undefined) return 'missing :method';
  if (method === 'CONNECT') return 'CONNECT is not supported';
  if (path === undefined || path === '') return 'missing :path';
  // :authority names the host; a Host field beside it must say the same
  if (authority !== undefined && host !== undefined && authority.toLowerCase() !== host.toLowerCase()) return ':authority and Host differ';
  const h = authority ?? host;
  if (h !== undefined) headers.host = h;
  if (cookies.length > 0) {
    headers.cookie = cookies.join('; ');
    out.push('cookie', headers.cookie);
  }
  return {
    method, url: path, httpVersionMajor: 1, httpVersionMinor: 1,
    rawHeaders: h === undefined ? out : ['host', h, ...out],
    headers,
  };
}
