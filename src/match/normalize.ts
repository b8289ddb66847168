// Path normalisation (product.md, "path"): percent-decode unreserved characters, resolve dot
// segments (RFC 3986 §5.2.4), keep duplicate slashes as sent. What is matched is what is forwarded.

export interface Target {
  /** Normalised path, always starting with "/" (or "*" for OPTIONS *). */
  path: string;
  /** Raw query including the leading "?" ("" when absent), forwarded unchanged. */
  search: string;
}

export class BadPath extends Error {}

const HEX = /^[0-9A-Fa-f]{2}$/;

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

/** Decode %XX of unreserved characters; upper-case the hex of the escapes that stay. */
function decodeUnreserved(p: string): string {
  let out = '';
  let last = 0;
  for (let i = p.indexOf('%'); i !== -1; i = p.indexOf('%', i + 1)) {
    const hex = p.slice(i + 1, i + 3);
    if (!HEX.test(hex)) throw new BadPath(`invalid percent-encoding at offset ${i}`);
    const c = parseInt(hex, 16);
    out += p.slice(last, i) + (isUnreserved(c) ? String.fromCharCode(c) : '%' + hex.toUpperCase());
    last = i + 3;
    i += 2;
  }
  return out + p.slice(last);
}

/** RFC 3986 remove_dot_segments over "/"-separated segments (empty segments are kept). */
function removeDots(p: string): string {
  const segs = p.split('/');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return '/' + out.join('/');
}

/**
 * An encoded slash or backslash that would form a dot segment once a backend decodes it
 * (`/img/..%2Fcgi-bin/x`) is a traversal attempt: refuse it rather than forward it.
 */
function hidesDotSegment(p: string): boolean {
  if (!/%2F|%5C/.test(p)) return false;
  return p
    .replace(/%2F|%5C|\\/g, '/')
    .split('/')
    .some((s) => s === '..' || s === '.');
}

/** Normalise a request-target. Throws BadPath for anything that must get 400. */
export function normalizeTarget(raw: string): Target {
  let t = raw;
  if (t === '*') return { path: '*', search: '' };
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
  const h = path.indexOf('#');
  if (h !== -1) throw new BadPath('fragment in request-target');
  // Fast path: nothing to decode and no dot segment.
  if (path.indexOf('%') === -1 && path.indexOf('/.') === -1) return { path, search };
  if (path.indexOf('%') !== -1) path = decodeUnreserved(path);
  if (hidesDotSegment(path)) throw new BadPath('encoded slash forms a dot segment');
  if (path.indexOf('/.') !== -1) path = removeDots(path);
  return { path, search };
}
