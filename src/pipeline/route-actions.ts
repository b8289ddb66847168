// A route's actions, compiled once per config (src/match/compile.ts) and applied per request by
// the pipeline (admit.ts): the rewritten path that is forwarded, or the answer a `redirect` /
// `respond` route gives itself. Pure and synchronous; the front ends write answers
// (src/proxy/answer.ts). Validation is in src/config/route-actions.ts.
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderEdits, RouteActions } from '../config/normalized.js';
import type { ErrorCode } from '../errors.js';
import { BadPath, normalizeTarget, type NormalizeOptions } from '../match/normalize.js';

/** Header edits ready to apply: the names dropped (removed or replaced) and the pairs added. */
export interface Edits {
  readonly drop: ReadonlySet<string>;
  readonly add: readonly string[];
  readonly describe: string;
}

export interface CompiledActions {
  /** The forwarded path from the matched one; throws BadPath when it leaves the path policy. */
  readonly rewrite: ((path: string, opts: NormalizeOptions) => string) | undefined;
  readonly redirect: { readonly to: string; readonly status: number } | undefined;
  /** A respond route's whole answer, made once. */
  readonly respond: AnswerHead | undefined;
  readonly request: Edits | undefined;
  readonly response: Edits | undefined;
  readonly maxBodySize: number | undefined;
  /** `check` and the admin API: the rewrite, header edits and limit, e.g. `rewrite strip /api; maxBodySize 1024`. */
  readonly describe: string;
}

/** What a route answers itself: status, flat [name, value, …] headers, body. */
export interface AnswerHead {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: string;
}

function compileEdits(e: HeaderEdits | undefined, side: string): Edits | undefined {
  if (e === undefined) return undefined;
  const parts = [
    e.set.length > 0 ? `set ${e.set.map(([k]) => k).join(', ')}` : '',
    e.remove.length > 0 ? `remove ${e.remove.join(', ')}` : '',
  ].filter(Boolean);
  return { drop: new Set([...e.remove, ...e.set.map(([k]) => k)]), add: e.set.flat(), describe: `${side} headers ${parts.join(', ')}` };
}

/** `h` (flat pairs) with the edits applied; `h` itself when there are none. */
export function editHeaders(h: string[], e: Edits | undefined): string[] {
  if (e === undefined) return h;
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (!e.drop.has(h[i]!.toLowerCase())) out.push(h[i]!, h[i + 1]!);
  for (const x of e.add) out.push(x);
  return out;
}

/** The rewrite of `rewrite` (stripPrefix, then addPrefix, then replace), re-checked by the path policy. */
function compileRewrite(w: NonNullable<RouteActions['rewrite']>): (path: string, opts: NormalizeOptions) => string {
  const strip = w.stripPrefix?.replace(/\/+$/, '');
  const add = w.addPrefix?.replace(/\/+$/, '');
  const rep = w.replace;
  return (path, opts) => {
    let p = path;
    if (strip !== undefined && (p === strip || p.startsWith(strip + '/'))) p = p.slice(strip.length) || '/';
    if (add !== undefined) p = add + p;
    if (rep !== undefined) p = p.replace(rep[0], rep[1]);
    if (p.charCodeAt(0) !== 0x2f || p.includes('?')) throw new BadPath(`the rewritten path ${JSON.stringify(p)} is not an absolute path`);
    // what the policy would change (dot segments, %2F, …) is refused, never forwarded
    if (normalizeTarget(p, opts).path !== p) throw new BadPath(`the rewritten path ${JSON.stringify(p)} has dot segments or repeated slashes`);
    return p;
  };
}

function describeRewrite(w: NonNullable<RouteActions['rewrite']>): string {
  const parts = ['rewrite'];
  if (w.stripPrefix !== undefined) parts.push(`strip ${w.stripPrefix}`);
  if (w.addPrefix !== undefined) parts.push(`add ${w.addPrefix}`);
  if (w.replace !== undefined) parts.push(`replace ${String(w.replace[0])} → ${JSON.stringify(w.replace[1])}`);
  return parts.join(' ');
}

export function compileActions(a: RouteActions | undefined): CompiledActions | undefined {
  if (a === undefined) return undefined;
  const request = compileEdits(a.request, 'request');
  const response = compileEdits(a.response, 'response');
  const s = a.respond;
  const respond = s === undefined ? undefined : {
    status: s.status,
    // 204 and 304 carry no body, and so no Content-Length
    headers: editHeaders([
      'content-type', s.contentType, ...(s.status === 204 || s.status === 304 ? [] : ['content-length', String(Buffer.byteLength(s.body))]), ...s.headers.flat(),
    ], response),
    body: s.body,
  };
  const describe = [
    a.rewrite && describeRewrite(a.rewrite), request?.describe, response?.describe,
    a.maxBodySize !== undefined ? `maxBodySize ${a.maxBodySize}` : undefined,
  ].filter(Boolean).join('; ');
  return {
    rewrite: a.rewrite && compileRewrite(a.rewrite),
    redirect: a.redirect,
    respond,
    request,
    response,
    maxBodySize: a.maxBodySize,
    describe,
  };
}

/** A route's action in one phrase: `pool html`, `redirect 301 https://{host}{path}`, `respond 503`. */
export function actionOf(pool: string | undefined, a: CompiledActions | undefined): string {
  if (a?.redirect !== undefined) return `redirect ${a.redirect.status} ${a.redirect.to}`;
  if (a?.respond !== undefined) return `respond ${a.respond.status}`;
  return `pool ${pool ?? '?'}`;
}

const PLACEHOLDER = /\{(scheme|host|path|query)\}/g;

/** The Location of a redirect; the query string is appended when `to` does not place it. */
export function location(to: string, scheme: string, host: string, path: string, search: string): string {
  const query = search.slice(1);
  let out = to.replace(PLACEHOLDER, (_, k: string) => (k === 'scheme' ? scheme : k === 'host' ? host : k === 'path' ? path : query));
  if (!to.includes('{query}')) {
    if (query !== '') out += (out.includes('?') ? '&' : '?') + query;
  } else if (query === '' && out.endsWith('?')) out = out.slice(0, -1);
  // `//host/…` would leave this site (mergeSlashes: false keeps a path's `//`): one slash
  return out.charCodeAt(1) === 0x2f && out.charCodeAt(0) === 0x2f ? out.replace(/^\/+/, '/') : out;
}

/** What the pipeline does for a route with actions: forward this target, answer, or refuse. */
export type ActionStep =
  | { readonly kind: 'forward'; readonly target: string }
  | { readonly kind: 'answer'; readonly head: AnswerHead }
  | { readonly kind: 'refuse'; readonly code: ErrorCode; readonly detail: string };

/**
 * Apply a route's actions to a matched request. `scheme` is the connection's (or a trusted
 * X-Forwarded-Proto); `path` and `search` are the matched request's.
 */
export function applyActions(a: CompiledActions, path: string, search: string, headers: IncomingHttpHeaders, scheme: string, opts: NormalizeOptions): ActionStep {
  if (a.respond !== undefined) return { kind: 'answer', head: a.respond };
  let p = path;
  if (a.rewrite !== undefined) {
    try {
      p = a.rewrite(path, opts);
    } catch (e) {
      if (!(e instanceof BadPath)) throw e;
      return { kind: 'refuse', code: 'SY_ERR_BAD_PATH', detail: e.message };
    }
  }
  const r = a.redirect;
  if (r === undefined) return { kind: 'forward', target: p + search };
  const host = headers.host;
  if (host === undefined && r.to.includes('{host}')) return { kind: 'refuse', code: 'SY_ERR_BAD_HOST', detail: 'a redirect to {host} needs a Host header' };
  const loc = location(r.to, scheme, host ?? '', p, search);
  return { kind: 'answer', head: { status: r.status, headers: editHeaders(['location', loc, 'content-length', '0'], a.response), body: '' } };
}
