// The request's hash key for a pool (`hashKey`: path, url, client-ip, header:<name>, cookie:<name>).
import type { HashKeySpec } from '../config/normalized.js';
import type { RequestFacts } from '../match/facts.js';

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let i = 0;
  while (i < header.length) {
    let end = header.indexOf(';', i);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', i);
    if (eq !== -1 && eq < end && header.slice(i, eq).trim() === name) {
      const v = header.slice(eq + 1, end).trim();
      return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
    i = end + 1;
  }
  return undefined;
}

/** A `hashKey` setting ('path', 'url', 'client-ip', 'header:<name>', 'cookie:<name>'); undefined when malformed. */
export function parseHashKey(s: string): HashKeySpec | undefined {
  if (s === 'path' || s === 'url' || s === 'client-ip') return { kind: s };
  const m = /^(header|cookie):(.+)$/.exec(s);
  if (m) return m[1] === 'header' ? { kind: 'header', name: m[2]!.toLowerCase() } : { kind: 'cookie', name: m[2]! };
  return undefined;
}

/** undefined when the request lacks the key: schedulers then fall back to a non-hashing choice. */
export function hashKeyOf(spec: HashKeySpec, f: RequestFacts, clientIp: string): string | undefined {
  switch (spec.kind) {
    case 'path':
      return f.path;
    case 'url':
      return f.path + f.search;
    case 'client-ip':
      return clientIp;
    case 'header': {
      const v = f.headers[spec.name];
      return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
    }
    case 'cookie': {
      const c = f.headers.cookie;
      return cookieValue(Array.isArray(c) ? c.join('; ') : c, spec.name);
    }
  }
}
