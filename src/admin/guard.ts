// Who may use the admin server (docs/security.md#admin-server): a Host allow-list
// against DNS rebinding, an Origin check and JSON-only mutations against cross-site requests, and
// the token on every route that is not on the public allow-list. Pure decisions: server.ts feeds
// them a request's headers and whether the route fastify matched is public.
import { ERRORS, type ErrorCode } from '../errors.js';
import { isLoopback, tokenMatches } from './auth.js';

export interface Policy {
  token: string | undefined;
  /** Check Host against loopback names and `allowedHosts` (see `policyFor`). */
  checkHost: boolean;
  /** Lower case, no port, IPv6 without brackets (src/config/validate.ts `hostList`). */
  allowedHosts: readonly string[];
}

/** What the decision needs from one request. */
export interface Ask {
  method: string;
  /** The request target as sent (origin-form or absolute-form). */
  target: string;
  host: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  /** The route fastify matched is on the public allow-list (dashboard files, GET /ping). */
  isPublic: boolean;
}

export interface Refusal {
  statusCode: number;
  /** From src/errors.ts; it gives the status. */
  code: ErrorCode;
  error: string;
  /** The request input at fault, e.g. `headers.content-type`. */
  path: string;
}

/**
 * The Host check is on without a token, and with one when the admin listens on loopback or
 * names `allowedHosts`; a token-holding admin bound beyond loopback takes any Host (the token guards it).
 */
export function policyFor(token: string | undefined, bindHost: string, allowedHosts: readonly string[] = []): Policy {
  return { token, allowedHosts, checkHost: !token || isLoopback(bindHost) || allowedHosts.length > 0 };
}

/** `name[:port]` or `[v6][:port]` → lower-case name without brackets; null when malformed. */
export function hostName(value: string): string | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(value);
  if (!m) return null;
  return (m[1] ?? m[2]!).toLowerCase();
}

export function hostAllowed(name: string, allowedHosts: readonly string[]): boolean {
  return isLoopback(name) || allowedHosts.includes(name);
}

/** The origins the admin itself is served under, for a request that came with this Host. */
export function ownOrigins(host: string): string[] {
  const h = host.toLowerCase();
  return [`http://${h.replace(/:80$/, '')}`, `https://${h.replace(/:443$/, '')}`];
}

/** Methods that may change something: everything but GET, HEAD and OPTIONS. */
export function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

export function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The authority of an absolute-form target (`http://x/api`), else undefined. */
function targetAuthority(target: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(target);
  return m ? m[1] : undefined;
}

const refuse = (code: ErrorCode, path: string, error: string): Refusal => ({ statusCode: ERRORS[code].status, code, error, path });

/** null: go ahead; otherwise the answer to send. */
export function decide(p: Policy, a: Ask): Refusal | null {
  if (!a.isPublic && p.token !== undefined && !tokenMatches(a.authorization, p.token)) {
    return refuse('SY_ERR_ADMIN_TOKEN', 'headers.authorization', 'missing or wrong admin token: send Authorization: Bearer <token>');
  }
  if (p.checkHost) {
    const authority = targetAuthority(a.target);
    for (const value of authority === undefined ? [a.host] : [a.host, authority]) {
      if (value === undefined || value === '') return refuse('SY_ERR_ADMIN_HOST', 'headers.host', 'the admin API needs a Host header');
      const name = hostName(value);
      if (name === null) return refuse('SY_ERR_ADMIN_HOST', 'headers.host', `malformed Host: ${value.slice(0, 100)}`);
      if (!hostAllowed(name, p.allowedHosts)) {
        return refuse('SY_ERR_ADMIN_HOST_REFUSED', 'headers.host', `Host ${name.slice(0, 100)} is not allowed: use a loopback address or list the name in admin.allowedHosts`);
      }
    }
  }
  if (a.origin !== undefined && (a.host === undefined || !ownOrigins(a.host).includes(a.origin.toLowerCase()))) {
    return refuse('SY_ERR_ADMIN_CROSS_SITE', 'headers.origin', `cross-origin request refused (Origin ${a.origin.slice(0, 100)})`);
  }
  if (!a.isPublic && (a.fetchSite === 'cross-site' || a.fetchSite === 'same-site')) {
    return refuse('SY_ERR_ADMIN_CROSS_SITE', 'headers.sec-fetch-site', `cross-site request refused (Sec-Fetch-Site: ${a.fetchSite})`);
  }
  if (isMutating(a.method) && !isJson(a.contentType)) {
    return refuse('SY_ERR_ADMIN_CONTENT_TYPE', 'headers.content-type', `${a.method} needs Content-Type: application/json`);
  }
  return null;
}
