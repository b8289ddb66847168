// Checks made on every request before routing: HTTP version, header count, framing (request
// smuggling shapes) and Host. Called from router.ts badFraming for normal and upgrade requests.
// Pure: request-line facts and raw headers in, a rejection or undefined out.
import { ERRORS, type ErrorCode } from '../errors.js';

export interface Rejection {
  status: number;
  code: ErrorCode;
  detail: string;
}

function reject(code: ErrorCode, detail: string): Rejection {
  return { status: ERRORS[code].status, code, detail };
}

/**
 * `raw` is node's rawHeaders ([name, value, …]); the server's maxHeadersCount must be above
 * maxHeaderCount, or node drops the extra headers before they can be counted.
 */
export function checkRequest(major: number, minor: number, raw: readonly string[], maxHeaderCount: number, target = '/'): Rejection | undefined {
  if (major !== 1 || (minor !== 0 && minor !== 1)) return reject('SY_ERR_BAD_VERSION', `HTTP/${major}.${minor}`);
  if (raw.length > maxHeaderCount * 2) return reject('SY_ERR_TOO_MANY_HEADERS', `more than ${maxHeaderCount} header fields`);
  let cl = 0;
  let te = 0;
  let teValue = '';
  let hosts = 0;
  let host = '';
  let connHost = false;
  // only names of these four lengths are looked at (the usual spelling without lower-casing)
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    const len = n.length;
    if (len === 4) {
      if (n === 'Host' || n === 'host' || n.toLowerCase() === 'host') {
        hosts++;
        host = raw[i + 1]!;
      }
    } else if (len === 10) {
      if ((n === 'Connection' || n.toLowerCase() === 'connection') && listsHost(raw[i + 1]!)) connHost = true;
    } else if (len === 14) {
      if (n.toLowerCase() === 'content-length') cl++;
    } else if (len === 17) {
      if (n.toLowerCase() === 'transfer-encoding') {
        te++;
        teValue = raw[i + 1]!;
      }
    }
  }
  if (cl > 1) return reject('SY_ERR_BAD_REQUEST', 'duplicate Content-Length');
  if (te > 1) return reject('SY_ERR_BAD_REQUEST', 'duplicate Transfer-Encoding');
  if (cl && te) return reject('SY_ERR_BAD_REQUEST', 'Content-Length with Transfer-Encoding');
  if (te && teValue.trim().toLowerCase() !== 'chunked') return reject('SY_ERR_BAD_REQUEST', 'unsupported Transfer-Encoding');
  if (hosts > 1) return reject('SY_ERR_BAD_HOST', 'duplicate Host');
  if (hosts === 0) return minor === 1 ? reject('SY_ERR_BAD_HOST', 'missing Host') : undefined;
  if (!validHost(host)) return reject('SY_ERR_BAD_HOST', 'invalid Host');
  // absolute-form (`GET http://a.example/x`): routing reads Host, a backend may read the target
  if (target.charCodeAt(0) !== 0x2f && target !== '*' && authority(target) !== host.toLowerCase()) {
    return reject('SY_ERR_BAD_HOST', 'absolute-form target names another host than Host');
  }
  // the router routes on Host: a Connection header naming it would strip it on the way out
  if (connHost) return reject('SY_ERR_BAD_REQUEST', 'Connection lists Host');
  return undefined;
}

/** Whether a Connection value names Host among its tokens. */
function listsHost(v: string): boolean {
  if (v.length < 4 || v === 'keep-alive' || v === 'close') return false;
  const l = v.toLowerCase();
  if (l.indexOf('host') === -1) return false;
  for (const t of l.split(',')) if (t.trim() === 'host') return true;
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Letters, digits, '-', '_', '~' (a name's characters besides the dots). */
function isNameChar(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 95 || c === 126;
}

/**
 * host[:port]: a name of dot-separated labels (one trailing dot allowed) or an IPv4 address, or a
 * bracketed IPv6 address; port 1-5 digits up to 65535. Stricter than the URI grammar: no
 * %-escapes and no sub-delimiters (`!$&'()*+,;=`), which no real host name uses.
 */
/** The lower-cased authority of an absolute-form target ('' when it has none). */
function authority(target: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
  return m ? m[1]!.toLowerCase() : '';
}

export function validHost(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > 261) return false;
  let i = 0;
  if (v.charCodeAt(0) === 91 /* [ */) {
    const end = v.indexOf(']');
    if (end < 3) return false;
    let colons = 0;
    for (i = 1; i < end; i++) {
      const c = v.charCodeAt(i);
      if (c === 58) colons++;
      else if (!isHex(c) && c !== 46) return false;
    }
    if (colons < 2) return false;
    i = end + 1;
  } else {
    let label = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c === 58 /* : */) break;
      if (c === 46 /* . */) {
        if (label === 0) return false;
        label = 0;
      } else if (isNameChar(c)) {
        if (++label > 63) return false;
      } else return false;
    }
    if (i === 0 || i > 254) return false;
  }
  if (i === n) return true;
  if (v.charCodeAt(i) !== 58) return false;
  const digits = n - i - 1;
  if (digits < 1 || digits > 5) return false;
  let port = 0;
  for (let j = i + 1; j < n; j++) {
    const c = v.charCodeAt(j);
    if (!isDigit(c)) return false;
    port = port * 10 + (c - 48);
  }
  return port <= 65535;
}
