// Judging one corpus case against an operator's config by the generic rules (the cases' own
// expectations hold only for the corpus's config, judge.ts): a refused request sends nothing
// upstream, one request never arrives as two, what arrives carries the normalised path and reaches
// the pool the router's own routes give that path, and a client never picks its own address.
import { BadPath, normalizeTarget } from '../match/normalize.js';
import type { Captured } from './capture.js';
import { header, type Conversation } from './client.js';
import type { Case } from './corpus.js';
import { describeConversation } from './judge.js';

export type Verdict = 'refused' | 'intact' | 'desync' | 'misrouted' | 'spoofed';
export const VERDICTS: readonly Verdict[] = ['refused', 'intact', 'desync', 'misrouted', 'spoofed'];
/** Verdicts that fail the self-test (exit 1). */
export const FAILING: readonly Verdict[] = ['desync', 'misrouted', 'spoofed'];

/** What one case produced: the client's side and the captures' side. */
export interface Observed {
  conv: Conversation;
  /** Whole requests that arrived, in arrival order. */
  arrived: Captured[];
  /** Bytes that arrived at any capture. */
  bytes: number;
  /** Framing problems the captures' strict parser found. */
  errors: string[];
}

/** The pool the router's routes give a request as it arrived (src/pipeline/explain.ts), or why none. */
export type RouteOf = (r: Captured) => { pool: string | undefined; error: string | undefined };

export interface CaseResult {
  name: string;
  class: string;
  verdict: Verdict;
  problems: string[];
  /** Who answered with a refusal: the router, or (chain mode) the front proxy. */
  refusedBy?: 'switchyard' | 'front';
  /** Chain mode: how the front proxy and Switchyard parsed this case differently. */
  disagreement?: string;
  seen: string;
}

const FORWARDING = ['x-forwarded-for', 'x-real-ip', 'true-client-ip', 'forwarded'];

/** How many requests the case sends (its expectation counts them). */
export function sentCount(c: Case): number {
  return 'forwarded' in c.expect ? c.expect.forwarded.length : 1;
}

function sentText(c: Case): string {
  return (typeof c.send === 'string' ? [c.send] : c.send).filter((s): s is string => typeof s === 'string').join('');
}

/** Addresses the client wrote into forwarding headers. */
function clientAddresses(c: Case): string[] {
  const out: string[] = [];
  for (const line of sentText(c).split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && FORWARDING.includes(line.slice(0, i).trim().toLowerCase())) out.push(...(line.slice(i + 1).match(/\d{1,3}(?:\.\d{1,3}){3}/g) ?? []));
  }
  return out;
}

function pathProblem(r: Captured, routeOf: RouteOf): string | undefined {
  let normal: string;
  try {
    const t = normalizeTarget(r.target);
    normal = t.path + t.search;
  } catch (e) {
    if (!(e instanceof BadPath)) throw e;
    return `${JSON.stringify(r.requestLine)} reached pool ${r.pool}, but the router refuses that path (${e.message})`;
  }
  if (normal !== r.target) {
    const read = routeOf({ ...r, target: normal }).pool;
    const risk = read !== r.pool ? `; a backend that reads it as ${normal} serves what the routes give pool ${read ?? '(none)'}` : '';
    return `${JSON.stringify(r.requestLine)} reached pool ${r.pool} with a path that is not normalised (${normal})${risk}`;
  }
  const want = routeOf(r);
  if (want.pool !== r.pool) return `${JSON.stringify(r.requestLine)} reached pool ${r.pool}; the routes give that path ${want.pool ? `pool ${want.pool}` : `no pool (${want.error})`}`;
  return undefined;
}

export function judgeGeneric(c: Case, o: Observed, routeOf: RouteOf, checkSpoof: boolean): CaseResult {
  const desync: string[] = o.errors.map((e) => `a backend could not frame what arrived: ${e}`);
  const sent = sentCount(c);
  if (o.arrived.length > sent) desync.push(`${o.arrived.length} requests arrived upstream for ${sent} sent`);
  if (o.conv.responses.length > sent) desync.push(`the client got ${o.conv.responses.length} answers for ${sent} requests`);
  const inBody = 'refused' in c.expect && c.expect.inBody === true;
  if (o.arrived.length === 0 && o.bytes > 0 && !inBody) desync.push(`a refused request sent ${o.bytes} bytes upstream`);
  if ('forwarded' in c.expect && o.arrived.length === sent) {
    c.expect.forwarded.forEach((a, i) => {
      const got = o.arrived[i]!.body.toString('latin1');
      if (a.body !== undefined && got !== a.body) desync.push(`request ${i + 1} body arrived as ${JSON.stringify(got)}, sent ${JSON.stringify(a.body)}`);
    });
  }
  const misrouted = o.arrived.map((r) => pathProblem(r, routeOf)).filter((p): p is string => p !== undefined);
  const spoofed: string[] = [];
  const chosen = checkSpoof ? clientAddresses(c) : [];
  for (const r of o.arrived) {
    for (const [k, v] of r.headers) {
      const a = chosen.find((x) => v.includes(x));
      if (a && FORWARDING.includes(k.toLowerCase())) spoofed.push(`the client's own ${a} arrived in ${k.toLowerCase()}: ${JSON.stringify(v)}`);
    }
  }
  const verdict: Verdict = desync.length ? 'desync' : misrouted.length ? 'misrouted' : spoofed.length ? 'spoofed' : o.arrived.length ? 'intact' : 'refused';
  const first = o.conv.responses[0];
  const refusedBy = verdict !== 'refused' ? undefined : first && header(first, 'x-switchyard-error').length === 0 ? 'front' : 'switchyard';
  const seen = `client saw: ${describeConversation(o.conv)}; backends got: ${o.arrived.map((r) => `${r.pool} ${JSON.stringify(r.requestLine)}`).join(', ') || 'nothing'}`;
  return { name: c.name, class: c.class, verdict, problems: [...desync, ...misrouted, ...spoofed], ...(refusedBy ? { refusedBy } : {}), seen };
}
