// The request pipeline (issue 12): one synchronous pass from a request's head to a routed request
// or a coded refusal. Steps, in order: framing checks → normalise → request facts → client address
// → match → route → decision context. Every HTTP front end calls `admit` once (src/listen/serve.ts
// for node:http requests and upgrades, src/pipeline/explain.ts); TCP services call
// src/pipeline/connection.ts; each attempt then calls decideAttempt (src/pipeline/decide.ts).
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { AffinityCore } from '../affinity/core.js';
import type { Listen } from '../config/normalized.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import type { CompiledRoute } from '../match/compile.js';
import { RequestFacts } from '../match/facts.js';
import type { LearnedMime } from '../match/mime.js';
import { BadPath, normalizeTarget, type NormalizeOptions, type Target } from '../match/normalize.js';
import { fallbackPool } from '../pools/fallback.js';
import { hashKeyOf } from '../pools/hash-key.js';
import type { PoolRuntime } from '../pools/pool.js';
import { cidrMatcher } from '../proxy/cidr.js';
import { clientFromXff } from '../proxy/headers.js';
import { checkRequest } from '../proxy/request-check.js';
import { upgradeBodyRefusal } from '../proxy/upgrade-head.js';
import type { Snapshot } from '../runtime/snapshot.js';
import type { RateLimits } from '../limits/limits.js';
import { retryAfterSeconds } from '../limits/rate.js';
import { requestIdOf, type RequestId } from '../proxy/request-id.js';
import type { PickContext } from '../schedulers/types.js';
import type { Choice } from './decide.js';
import { applyActions, type AnswerHead } from './route-actions.js';

/**
 * What the pipeline reads of a request head. node:http's IncomingMessage has this shape and is
 * passed as it is (no copy per request); other front ends build one.
 */
export interface RequestHead {
  readonly method?: string | undefined;
  /** The request-target as received. */
  readonly url?: string | undefined;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  /** [name, value, …] as received. */
  readonly rawHeaders: readonly string[];
  /** Lower-case names (node:http's `headers`). */
  readonly headers: IncomingHttpHeaders;
}

/** The client connection, made once per connection (src/listen/conn.ts) or per explain call. */
export interface ClientConn {
  /** The peer (the PROXY header's source on acceptProxy listeners), IPv4-mapped written plain. */
  readonly address: string;
  readonly port: number;
  /** For connection affinity; undefined for explain. */
  readonly socket: Socket | undefined;
}

/** A listener's rules as one front end applies them; made once per listener (frontRules). */
export interface FrontRules {
  /** Framing checks and the body limit (explain's input has no framing to check). */
  readonly checks: boolean;
  /** Upgrade requests: a body is refused (proxy/upgrade-head.ts). */
  readonly upgrade: boolean;
  readonly maxHeaderCount: number;
  readonly maxBodySize: number | undefined;
  readonly normalize: NormalizeOptions;
  /** A trusted peer's X-Forwarded-For names the client (listen.trustProxy). */
  readonly isTrusted: (ip: string) => boolean;
}

/** What the pipeline reads of the runtime (src/runtime/runtime.ts). */
export interface PipelineHost {
  readonly pools: ReadonlyMap<string, PoolRuntime>;
  readonly learned: LearnedMime;
  readonly affinity: AffinityCore;
  /** Route rate limits (src/limits/limits.ts); none for explain, which takes no tokens. */
  readonly rates?: RateLimits | undefined;
}

export interface Refusal {
  readonly kind: 'refused';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  /** The connection is closed after the answer (framing not to be trusted, or an unread body). */
  readonly close: boolean;
  /** Set when the refusal came after matching (no route, body too large): it is logged. */
  readonly facts: RequestFacts | undefined;
  readonly clientIp: string | undefined;
  readonly route: CompiledRoute | undefined;
  /** Set when the refusal came after matching (config requestId on): echoed and logged. */
  readonly requestId?: RequestId | undefined;
  /** Extra answer headers (Retry-After of a rate limit). */
  readonly headers?: Record<string, string> | undefined;
}

/** A route that answers itself (redirect, respond): the front end writes it (src/proxy/answer.ts). */
export interface Answer extends AnswerHead {
  readonly kind: 'answer';
  readonly facts: RequestFacts;
  readonly route: CompiledRoute;
  readonly clientIp: string;
}

export interface Routed extends Choice {
  readonly kind: 'routed';
  /** The snapshot the request started with; it keeps it to the end. */
  readonly snap: Snapshot;
  readonly route: CompiledRoute;
  /** Method, normalised path and search (forwarded as matched), headers. */
  readonly facts: RequestFacts;
  /** The client: the peer, or from X-Forwarded-For when the peer is trusted. */
  readonly clientIp: string;
  readonly peer: string;
  readonly trusted: boolean;
  /** The pools passed over because none of their backends took work (pools.<name>.fallback); usually empty. */
  readonly fallbackFrom: readonly string[];
  /** The request-target forwarded: the matched path (or the route's rewrite of it) and the search. */
  readonly target: string;
  /** The body limit: the route's maxBodySize, else the listener's. */
  readonly maxBodySize: number | undefined;
  /** The request's ID (src/proxy/request-id.ts); undefined when config requestId is false. */
  readonly requestId: RequestId | undefined;
}

const never = () => false;
const NONE: readonly string[] = [];
const always = () => true;

export function trustRule(trustProxy: Listen['trustProxy']): (ip: string) => boolean {
  return trustProxy === true ? always : Array.isArray(trustProxy) ? cidrMatcher(trustProxy) : never;
}

export function frontRules(listen: Listen, kind: 'request' | 'upgrade'): FrontRules {
  return {
    checks: true,
    upgrade: kind === 'upgrade',
    maxHeaderCount: listen.limits.maxHeaderCount,
    maxBodySize: listen.limits.maxBodySize,
    normalize: { mergeSlashes: listen.mergeSlashes },
    isTrusted: trustRule(listen.trustProxy),
  };
}

function refusal(code: ErrorCode, detail: string | undefined, close: boolean, facts?: RequestFacts, clientIp?: string, route?: CompiledRoute): Refusal {
  return { kind: 'refused', code, status: ERRORS[code].status, detail, close, facts, clientIp, route };
}

/** Route one request, or refuse it with a coded error; nothing is sent, nothing is logged here. */
export function admit(snap: Snapshot, host: PipelineHost, rules: FrontRules, head: RequestHead, conn: ClientConn): Refusal | Answer | Routed {
  const headers = head.headers;
  if (rules.checks) {
    // bad version, too many headers, smuggling shapes, bad Host (proxy/request-check.ts)
    const bad = checkRequest(head.httpVersionMajor, head.httpVersionMinor, head.rawHeaders, rules.maxHeaderCount, head.url);
    if (bad !== undefined) return refusal(bad.code, bad.detail, true);
    const body = rules.upgrade ? upgradeBodyRefusal(headers) : undefined;
    if (body !== undefined) return refusal('SY_ERR_BAD_REQUEST', body, true);
  }
  let t: Target;
  try {
    t = normalizeTarget(head.url!, rules.normalize);
  } catch (e) {
    if (!(e instanceof BadPath)) throw e;
    return refusal('SY_ERR_BAD_PATH', e.message, false);
  }
  const facts = new RequestFacts(head.method!, t.path, t.search, headers, host.learned);
  const route = snap.matcher.match(facts);
  const peer = conn.address;
  const trusted = rules.isTrusted(peer);
  let clientIp = peer;
  if (trusted) {
    const xff = headers['x-forwarded-for'];
    const fromXff = xff ? clientFromXff(Array.isArray(xff) ? xff.join(',') : xff, rules.isTrusted) : undefined;
    if (fromXff) clientIp = fromXff;
  }
  const idConf = snap.config.requestId;
  const requestId = idConf === false ? undefined : requestIdOf(idConf.header, headers);
  if (route === null) return { ...refusal('SY_ERR_NO_ROUTE', undefined, false, facts, clientIp), requestId };
  const rate = snap.config.routes[route.index]!.rateLimit;
  if (rate !== undefined && host.rates !== undefined) {
    const wait = host.rates.take(route.name, rate, clientIp, headers, Date.now());
    if (wait > 0) return { ...refusal('SY_ERR_RATE_LIMITED', undefined, false, facts, clientIp, route), requestId, headers: { 'retry-after': String(retryAfterSeconds(wait)) } };
  }
  const act = route.actions;
  let target = facts.search === '' ? facts.path : facts.path + facts.search;
  if (act !== undefined) {
    const step = applyActions(act, facts.path, facts.search, headers, schemeOf(conn, trusted, headers), rules.normalize);
    if (step.kind === 'answer') return { kind: 'answer', ...step.head, facts, route, clientIp };
    if (step.kind === 'refuse') return { ...refusal(step.code, step.detail, false, facts, clientIp, route), requestId };
    target = step.target;
  }
  const limit = act?.maxBodySize ?? rules.maxBodySize;
  const max = rules.checks ? limit : undefined;
  if (max !== undefined && Number(headers['content-length'] ?? 0) > max) {
    return { ...refusal('SY_ERR_BODY_TOO_LARGE', `the limit is ${max} bytes`, true, facts, clientIp, route), requestId };
  }
  const first = host.pools.get(route.pool!)!;
  // a pool with no backend taking work hands the request down its fallback chain (pools/fallback.ts)
  const { pool, skipped } = first.up || first.spec.fallback === undefined ? { pool: first, skipped: NONE } : fallbackPool(host.pools, first);
  const ctx: PickContext = {
    key: pool.def.hashing ? hashKeyOf(pool.spec.hashKey, facts, clientIp) : undefined,
    clientIp,
    clientPort: conn.port,
    now: Date.now(),
    avoid: undefined,
  };
  const aff = pool.spec.affinity !== 'none' ? host.affinity.input(pool, conn.socket, headers) : undefined;
  return { kind: 'routed', snap, route, pool, ctx, aff, facts, clientIp, peer, trusted, target, maxBodySize: limit, fallbackFrom: skipped, requestId };
}

/** `{scheme}` of a redirect: a trusted peer's X-Forwarded-Proto, else the connection's. */
function schemeOf(conn: ClientConn, trusted: boolean, headers: IncomingHttpHeaders): string {
  const xfp = trusted ? headers['x-forwarded-proto'] : undefined;
  if (typeof xfp === 'string') {
    const first = xfp.split(',')[0]!.trim().toLowerCase();
    if (first === 'https' || first === 'http') return first;
  }
  return conn.socket !== undefined && 'encrypted' in conn.socket ? 'https' : 'http';
}
