// Path policy (docs/security.md#path-policy): applied once, before matching, to
// the path that is then forwarded, so the backend receives exactly the path that was matched.
// - percent-encoded unreserved characters are decoded (`%2e` → `.`, `%41` → `A`); other escapes
//   stay, hex upper-cased;
// - refused (BadPath → 400): `%2F`, `%5C` and raw `\` anywhere (a backend may read them as
//   separators), control characters raw or encoded (`%00`), a `;` after a `.` or `..` segment
//   (`/..;/`, Tomcat reads it as `..`), a fragment, a malformed escape;
// - dot segments resolved (never above the root); repeated slashes merged unless mergeSlashes is false.

export interface Target {
  /** Normalised path, always starting with "/" (or "*" for OPTIONS *). */
  path: string;
  /** Raw query including the leading "?" ("" when absent), forwarded unchanged. */
  search: string;
}

export interface NormalizeOptions {
  /** Merge `//` into `/` (listen.mergeSlashes, default true). */
  mergeSlashes?: boolean;
}

export class BadPath extends Error {}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Decode %XX of unreserved characters; upper-case the hex of the escapes that stay. */
function decodeUnreserved(p: string): string {
  let out = '';
  let last = 0;
  for (let i = p.indexOf('%'); i !== -1; i = p.indexOf('%', i + 1)) {
    const hi = hexValue(p.charCodeAt(i + 1));
    const lo = hexValue(p.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) throw new BadPath(`invalid percent-encoding at offset ${i}`);
    const c = hi * 16 + lo;
    if (c === 0x2f || c === 0x5c) throw new BadPath('encoded slash or backslash in path');
    if (c < 0x20 || c === 0x7f) throw new BadPath('encoded control character in path');
    out += p.slice(last, i) + (isUnreserved(c) ? String.fromCharCode(c) : p.slice(i, i + 3).toUpperCase());
    last = i + 3;
    i += 2;
  }
  return out + p.slice(last);
}

/** `.;x` or `..;x` (also with `%3B`): a dot segment with parameters, which Tomcat resolves. */
function isDotWithParams(s: string): boolean {
  let k = s.indexOf(';');
  const e = s.indexOf('%3B');
  if (k === -1 || (e !== -1 && e < k)) k = e;
  if (k === -1) return false;
  return k === 1 ? s.charCodeAt(0) === 0x2e : k === 2 && s.charCodeAt(0) === 0x2e && s.charCodeAt(1) === 0x2e;
}

/**
 * Resolve dot segments over "/"-separated segments, never climbing above the root; with merge,
 * empty segments (repeated slashes) are dropped, except a trailing one.
 */
function resolve(p: string, merge: boolean): string {
  const segs = p.split('/');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s.charCodeAt(0) === 0x2e && isDotWithParams(s)) throw new BadPath('parameters on a dot segment');
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else if (s !== '' || last || !merge) out.push(s);
  }
  return '/' + out.join('/');
}

/** Normalise a request-target. Throws BadPath for anything that must get 400. */
export function normalizeTarget(raw: string, opts: NormalizeOptions = {}): Target {
  const merge = opts.mergeSlashes !== false;
  let t = raw;
  // asterisk-form (OPTIONS *) asks about the server itself: there is no resource to route it to
  if (t === '*') throw new BadPath('asterisk-form request-target is not forwarded');
  if (t.charCodeAt(0) !== 0x2f) {
    // absolute-form (http://host/path): keep its path and query
    const m = /^https?:\/\/[^/?#]*(.*)$/i.exec(t);
    if (!m) throw new BadPath('request-target must start with "/"');
    t = m[1] === '' ? '/' : m[1]!;
    if (t.charCodeAt(0) !== 0x2f) t = '/' + t;
  }
  const q = t.indexOf('?');
  let path = q === -1 ? t : t.slice(0, q);
  const search = q === -1 ? '' : t.slice(q);
  // One scan, no regex: refuse what is never allowed, note what needs rewriting.
  let decode = false;
  let segments = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0x3b && c !== 0x5c && c !== 0x7f) continue; // letters and most punctuation
    if (c === 0x2f) {
      const n = path.charCodeAt(i + 1);
      if (n === 0x2e || (n === 0x2f && merge)) segments = true; // "/." or "//"
    } else if (c === 0x25) decode = true;
    else if (c === 0x3b) segments = true;
    else if (c === 0x5c) throw new BadPath('backslash in path');
    else if (c === 0x23) throw new BadPath('fragment in request-target');
    else if (c < 0x20 || c === 0x7f) throw new BadPath('control character in path');
  }
  if (decode) {
    path = decodeUnreserved(path);
    // a decoded "%2e" may form a dot segment; an escaped ";" may follow one
    if (!segments) segments = path.indexOf('/.') !== -1 || path.indexOf('%3B') !== -1;
  }
  return segments ? { path: resolve(path, merge), search } : { path, search };
}
