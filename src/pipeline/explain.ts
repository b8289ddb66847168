// Explain: which route, why, which pool and backend a request would get, through the same pipeline
// as real requests (admit, then a peek decision: no scheduler cursor moves, no pin is made). Its
// input has no framing to check, so the framing checks and the body limit are not applied.
import type { Snapshot } from '../runtime/snapshot.js';
import { admit, type FrontRules, type PipelineHost } from './admit.js';
import { peekDecision } from './decide.js';
import { sorryFor } from '../pools/fallback.js';
import type { CompiledRoute } from '../match/compile.js';

export interface ExplainInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  clientIp?: string;
}

export interface Explanation {
  method: string;
  path: string | undefined;
  status: number;
  error?: string;
  mime?: { type: string | undefined; source: string };
  route?: { name: string; index: number; match: string };
  tried: { route: string; matched: boolean; failed?: string; detail: string }[];
  pool?: { name: string; scheduler: string; hashKey: string; key: string | undefined };
  /** The pools passed over, in order, because none of their backends took work (pools.<name>.fallback). */
  fallbackFrom?: string[];
  backend?: { id: string; url: string; state: string; weight: number } | null;
  reason?: string;
  /** A route's rewrite: the matched path and the path forwarded (with the query). */
  rewrite?: { from: string; to: string };
  /** What a redirect or respond route answers itself. */
  answer?: { status: number; location: string | undefined };
  /** The pool's affinity pin for this request: read, never created, by explain. */
  affinity?: { kind: string; client: string; pinned: boolean };
}

/** Default listener rules: slashes merged, no proxy trusted (the client is `clientIp`). */
const EXPLAIN: FrontRules = {
  checks: false, upgrade: false, maxHeaderCount: Infinity, maxBodySize: undefined, normalize: {}, isTrusted: () => false,
};

function routeOf(r: CompiledRoute): NonNullable<Explanation['route']> {
  return { name: r.name, index: r.index, match: r.describe };
}

export function explain(snap: Snapshot, host: PipelineHost, input: ExplainInput): Explanation {
  const method = input.method.toUpperCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  let url = input.url;
  const abs = /^https?:\/\/([^/?#]*)/i.exec(url);
  if (abs && headers.host === undefined) headers.host = abs[1]!;
  if (!abs && !url.startsWith('/') && url !== '*') url = '/' + url;
  const head = { method, url, httpVersionMajor: 1, httpVersionMinor: 1, rawHeaders: [], headers };
  // no `rates`: explaining takes no rate-limit token
  const r = admit(snap, { pools: host.pools, learned: host.learned, affinity: host.affinity }, EXPLAIN, head, { address: input.clientIp ?? '127.0.0.1', port: 0, socket: undefined });
  if (r.kind === 'refused') {
    if (r.facts === undefined) return { method, path: undefined, status: 400, error: `invalid path: ${r.detail}`, tried: [] };
    const { tried } = snap.matcher.explain(r.facts);
    if (r.route !== undefined) return { method, path: r.facts.path, status: r.status, error: `${r.detail ?? r.code}`, route: routeOf(r.route), tried };
    return { method, path: r.facts.path, status: 404, error: 'no route matches this request', mime: { type: r.facts.mime.type, source: r.facts.mime.source }, tried };
  }
  const { tried } = snap.matcher.explain(r.facts);
  if (r.kind === 'answer') {
    const at = r.headers.indexOf('location');
    return { method, path: r.facts.path, status: r.status, route: routeOf(r.route), tried, answer: { status: r.status, location: at === -1 ? undefined : r.headers[at + 1] } };
  }
  const { facts, route, pool } = r;
  const d = peekDecision(r);
  const hk = pool.spec.hashKey;
  return {
    method,
    path: facts.path,
    status: d.backend ? 200 : (sorryFor(snap.config.pools, route.pool!)?.status ?? 503),
    mime: { type: facts.mime.type, source: facts.mime.source },
    route: routeOf(route),
    tried,
    ...(r.fallbackFrom.length > 0 ? { fallbackFrom: [...r.fallbackFrom] } : {}),
    ...(route.actions?.rewrite ? { rewrite: { from: facts.path + facts.search, to: r.target } } : {}),
    pool: { name: pool.name, scheduler: pool.spec.scheduler, hashKey: hk.kind === 'header' || hk.kind === 'cookie' ? `${hk.kind}:${hk.name}` : hk.kind, key: r.ctx.key },
    backend: d.backend ? { id: d.backend.id, url: d.backend.url, state: d.backend.state, weight: d.backend.weight } : null,
    reason: d.reason,
    ...(d.pin ? { affinity: { kind: d.pin.kind, client: d.pin.client, pinned: d.pin.hit } } : {}),
  };
}
