// The admin's bind rule (no token → loopback only) and the bearer-token comparison, in constant
// time; guard.ts decides which requests need the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { SwitchyardError } from '../errors.js';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Throws when binding `host` without a token would expose the admin API beyond this machine. */
export function checkBind(host: string, token: string | undefined): void {
  if (!token && !isLoopback(host)) {
    throw new SwitchyardError('SY_ERR_ADMIN_BIND', `admin: refusing to listen on non-loopback address ${host} without a token; set admin.token (e.g. from SWITCHYARD_ADMIN_TOKEN) or bind 127.0.0.1`, 'admin.host');
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time check of an Authorization header against the token (hashing equalises lengths). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer[ \t]+(.*?)[ \t]*$/i.exec(header);
  const given = m ? m[1]! : '';
  const ok = timingSafeEqual(digest(given), digest(token));
  return ok && m !== null;
}
