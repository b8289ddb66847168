// A route's actions (docs/routing.md "Route actions"): what the schema (schema.ts
// RouteActionSchemas) cannot say. A route has `pool` or one of `redirect` / `respond`; header
// edits may not touch what the router itself owns; a rewrite's fixed parts must already satisfy
// the path policy (src/match/normalize.ts), so only captured text is checked per request.
import type { Static } from '@sinclair/typebox';
import { BadPath, normalizeTarget } from '../match/normalize.js';
import { FORWARDED, HOP } from '../proxy/headers.js';
import type { Problem } from '../schedulers/types.js';
import { q } from './check-value.js';
import type * as N from './normalized.js';
import type { RouteSchema } from './schema.js';

type RouteIn = Static<typeof RouteSchema>;

/** Why a header cannot be set or removed by a route, or undefined when it can. */
export function ownedHeader(name: string): string | undefined {
  const n = name.toLowerCase();
  if (HOP.has(n)) return `${n} is hop-by-hop: it describes one connection, and Switchyard writes it for each connection itself`;
  if (n === 'content-length') return 'content-length frames the message; Switchyard forwards the length the body has';
  if (n === 'host') return 'host is forwarded as the client sent it (routes match on it; the backend sees X-Forwarded-Host)';
  if (FORWARDED.has(n)) return `${n} carries the client's address or protocol: Switchyard sets it from the connection (listen.trustProxy decides what is kept)`;
  return undefined;
}

const BAD_VALUE = /[\r\n\0]/;
const PLACEHOLDER = /\{([^}]*)\}/g;
const KNOWN = new Set(['scheme', 'host', 'path', 'query']);

function edits(problems: Problem[], e: { set?: Record<string, string>; remove?: string[] } | undefined, at: string): N.HeaderEdits | undefined {
  if (e === undefined) return undefined;
  const out: N.HeaderEdits = { set: [], remove: [] };
  for (const [k, v] of Object.entries(e.set ?? {})) {
    const why = ownedHeader(k);
    if (why !== undefined) problems.push({ path: `${at}.set.${k}`, message: `cannot be set by a route: ${why}` });
    else if (BAD_VALUE.test(v)) problems.push({ path: `${at}.set.${k}`, message: 'a header value cannot hold CR, LF or NUL' });
    else out.set.push([k.toLowerCase(), v]);
  }
  (e.remove ?? []).forEach((k, i) => {
    const why = ownedHeader(k);
    if (why !== undefined) problems.push({ path: `${at}.remove[${i}]`, message: `cannot be removed by a route: ${why}` });
    else out.remove.push(k.toLowerCase());
  });
  return out.set.length + out.remove.length > 0 ? out : undefined;
}

/** A fixed piece of a rewritten path: it must be a path the policy leaves as it is. */
function policyPath(problems: Problem[], s: string, at: string, what: string, shown = s): void {
  let bad: string | undefined;
  if (/[?#]/.test(s)) bad = 'it cannot hold "?" or "#"';
  else {
    try {
      const t = normalizeTarget(s.startsWith('/') ? s : '/' + s);
      if (t.path !== (s.startsWith('/') ? s : '/' + s)) bad = 'the policy would change it (dot segments, repeated slashes, escapes)';
    } catch (e) {
      if (!(e instanceof BadPath)) throw e;
      bad = e.message;
    }
  }
  if (bad !== undefined) problems.push({ path: at, message: `${what} must satisfy the path policy (docs/security.md#path-policy): ${bad}, got ${q(shown)}` });
}

function redirectTo(problems: Problem[], to: string, at: string): void {
  for (const m of to.matchAll(PLACEHOLDER)) {
    if (!KNOWN.has(m[1]!)) problems.push({ path: at, message: `unknown placeholder {${m[1]}}; use {scheme}, {host}, {path} or {query}` });
  }
  if (/[\s\0]/.test(to)) problems.push({ path: at, message: 'cannot hold spaces or control characters' });
  else if (!/^(\/|\{path\}|(https?|\{scheme\}):\/\/)/.test(to)) {
    problems.push({ path: at, message: `must start with "/", "{path}", "http(s)://" or "{scheme}://", got ${q(to)}` });
  }
}

/**
 * The pool (or none) and the actions of route `r` at `at`; pushes problems. `raw` is the route
 * as written (to tell which keys were given).
 */
export function routeActions(problems: Problem[], r: RouteIn, at: string): { pool: string | undefined; actions: N.RouteActions | undefined } {
  const err = (path: string, message: string) => void problems.push({ path, message });
  const answers = [r.redirect && 'redirect', r.respond && 'respond'].filter((x): x is string => typeof x === 'string');
  if (answers.length === 2) err(`${at}.respond`, 'a route has one of pool, redirect or respond; this one also has redirect');
  if (answers.length > 0 && r.pool !== undefined) err(`${at}.pool`, `a route has one of pool, redirect or respond; this one also has ${answers[0]}`);
  if (answers.length === 0 && r.pool === undefined) err(`${at}.pool`, 'is required: name a pool, or give redirect or respond instead');
  const a: N.RouteActions = {};
  if (r.redirect !== undefined) {
    redirectTo(problems, r.redirect.to, `${at}.redirect.to`);
    a.redirect = { to: r.redirect.to, status: r.redirect.status ?? 302 };
  }
  if (r.respond !== undefined) {
    const s = r.respond;
    const headers: [string, string][] = [];
    for (const [k, v] of Object.entries(s.headers ?? {})) {
      const why = k.toLowerCase() === 'content-type' ? 'give it as respond.contentType' : ownedHeader(k);
      if (why !== undefined) err(`${at}.respond.headers.${k}`, `cannot be given here: ${why}`);
      else if (BAD_VALUE.test(v)) err(`${at}.respond.headers.${k}`, 'a header value cannot hold CR, LF or NUL');
      else headers.push([k.toLowerCase(), v]);
    }
    const contentType = s.contentType ?? 'text/plain; charset=utf-8';
    if (BAD_VALUE.test(contentType)) err(`${at}.respond.contentType`, 'a header value cannot hold CR, LF or NUL');
    const status = s.status ?? 200;
    if ((status === 204 || status === 304) && (s.body ?? '') !== '') err(`${at}.respond.body`, `a ${status} answer has no body`);
    a.respond = { status, body: s.body ?? '', contentType, headers };
  }
  const w = r.rewrite;
  if (w !== undefined) {
    if (r.respond !== undefined) err(`${at}.rewrite`, 'a respond route forwards nothing: a rewrite would have no effect');
    if (w.stripPrefix !== undefined) policyPath(problems, w.stripPrefix, `${at}.rewrite.stripPrefix`, 'stripPrefix');
    if (w.addPrefix !== undefined) policyPath(problems, w.addPrefix, `${at}.rewrite.addPrefix`, 'addPrefix');
    const rep = w.replace as [RegExp, string] | undefined;
    if (rep !== undefined && rep[1] !== undefined) {
      // the replacement without its $-references: what it adds on its own
      const fixed = rep[1].replace(/\$(\d{1,2}|<[^>]*>|[&`'$])/g, 'x');
      policyPath(problems, fixed, `${at}.rewrite.replace[1]`, 'the replacement', rep[1]);
    }
    if (w.stripPrefix === undefined && w.addPrefix === undefined && rep === undefined) err(`${at}.rewrite`, 'give stripPrefix, addPrefix or replace');
    a.rewrite = { stripPrefix: w.stripPrefix, addPrefix: w.addPrefix, replace: rep };
  }
  const request = edits(problems, r.headers?.request, `${at}.headers.request`);
  if (request !== undefined && answers.length > 0) err(`${at}.headers.request`, `a ${answers[0]} route forwards nothing: request edits would have no effect`);
  a.request = request;
  a.response = edits(problems, r.headers?.response, `${at}.headers.response`);
  if (r.maxBodySize !== undefined) {
    if (answers.length > 0) err(`${at}.maxBodySize`, `a ${answers[0]} route reads no body: the limit would have no effect`);
    a.maxBodySize = r.maxBodySize;
  }
  const any = a.redirect ?? a.respond ?? a.rewrite ?? a.request ?? a.response ?? a.maxBodySize;
  return { pool: r.pool, actions: any === undefined ? undefined : a };
}
