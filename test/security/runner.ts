// Runs the request corpus (corpus.ts) against any front end: give runCorpus a function that starts
// a router from a config object, and it registers one vitest test per case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, type Capture, type CaptureOptions, type Captured } from './capture.js';
import { converse, header, type Conversation, type Response } from './client.js';
import { CASES, req, securityConfig, type Arrival, type Case } from './corpus.js';
import { RESPONSE_CASES, SMUGGLED_MARK, type ResponseCase } from './responses.js';
import { sleep, type TestRouter } from '../helpers.js';

/** Starts a router from a config object: the kit's startRouter, or any other front end.*/
export type StartRouter = (config: Record<string, unknown>) => Promise<Pick<TestRouter, 'port' | 'close'>>;

/** What the client saw, in one line, for failure messages. */
export function describeConversation(c: Conversation): string {
  const rs = c.responses.map((r) => `${r.status}${r.complete ? '' : '(cut)'}[${header(r, 'x-capture')[0] ?? 'router'}] ${JSON.stringify(r.body.toString('latin1').slice(0, 60))}`);
  return `${rs.length ? rs.join(' | ') : 'no response'}${c.closed ? ', closed' : ''}`;
}

function headerProblems(a: Arrival, r: Captured): string[] {
  const out: string[] = [];
  const want = new Map<string, string[]>();
  for (const line of a.headers ?? []) {
    const i = line.indexOf(':');
    const n = line.slice(0, i).toLowerCase();
    want.set(n, [...(want.get(n) ?? []), line.slice(i + 1).trim()]);
  }
  for (const [n, values] of want) {
    const got = r.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
    if (JSON.stringify(got) !== JSON.stringify(values)) out.push(`${n}: want ${JSON.stringify(values)}, got ${JSON.stringify(got)}`);
  }
  for (const n of a.absent ?? []) {
    const got = r.headers.filter(([k]) => k.toLowerCase() === n.toLowerCase());
    if (got.length) out.push(`${n} must not arrive, got ${JSON.stringify(got)}`);
  }
  return out;
}

/** Every way the outcome of one case differs from its expectation (empty: as expected). */
export function judge(c: Case, conv: Conversation, caps: Capture[]): string[] {
  const problems: string[] = [];
  const arrived = caps.flatMap((k) => k.received).sort((a, b) => a.at - b.at);
  const seen = `client saw: ${describeConversation(conv)}; backends got: ${arrived.map((r) => `${r.pool} ${JSON.stringify(r.requestLine)}`).join(', ') || 'nothing'}`;
  for (const k of caps) for (const e of k.errors) problems.push(`capture ${k.name} could not frame what arrived: ${e}`);
  const o = c.expect;
  if ('refused' in o) {
    const first = conv.responses[0];
    if (!first || first.status !== o.refused || header(first, 'x-capture').length) problems.push(`want refused ${o.refused}`);
    const bytes = caps.reduce((n, k) => n + k.bytes, 0);
    if (o.inBody ? arrived.length > 0 : bytes > 0) problems.push(`a refused request reached a backend (${bytes} bytes, ${arrived.length} whole requests)`);
  } else {
    const want = o.forwarded;
    if (arrived.length !== want.length) problems.push(`want ${want.length} request(s) upstream, got ${arrived.length}`);
    want.forEach((a, i) => {
      const r = arrived[i];
      const resp = conv.responses[i];
      if (!resp || resp.status !== 200 || header(resp, 'x-capture')[0] !== a.pool) problems.push(`response ${i + 1}: want 200 from ${a.pool}`);
      if (!r) return;
      if (r.pool !== a.pool) problems.push(`request ${i + 1} reached ${r.pool}, want ${a.pool}`);
      if (a.line !== undefined && r.requestLine !== a.line) problems.push(`request ${i + 1} line ${JSON.stringify(r.requestLine)}, want ${JSON.stringify(a.line)}`);
      if (a.body !== undefined && r.body.toString('latin1') !== a.body) problems.push(`request ${i + 1} body ${JSON.stringify(r.body.toString('latin1'))}, want ${JSON.stringify(a.body)}`);
      problems.push(...headerProblems(a, r).map((p) => `request ${i + 1} ${p}`));
      const extra = a.check?.(r);
      if (extra) problems.push(`request ${i + 1}: ${extra}`);
    });
    if (o.oneAtATime) {
      for (let i = 1; i < arrived.length; i++) {
        if (arrived[i]!.at < arrived[i - 1]!.answeredAt) problems.push(`request ${i + 1} went upstream before request ${i} was answered`);
      }
    }
  }
  return problems.length ? [...problems, seen] : [];
}

/** Start two captures and a router in front of them; tear down after the suite. */
export function corpusFixture(start: StartRouter, opts: CaptureOptions = {}) {
  const f = { admin: undefined as unknown as Capture, public: undefined as unknown as Capture, port: 0, close: async () => undefined as void };
  beforeAll(async () => {
    f.admin = await startCapture('admin', opts);
    f.public = await startCapture('public', opts);
    const r = await start(securityConfig(f.admin.url, f.public.url));
    f.port = r.port;
    f.close = () => r.close();
  });
  afterAll(async () => {
    await f.close();
    await f.admin.close();
    await f.public.close();
  });
  return f;
}

/** One vitest test per corpus case, against routers made by `start`. */
export function runCorpus(start: StartRouter, cases: Case[] = CASES): void {
  describe('security corpus: requests', () => {
    // a short answer delay upstream makes overlapping (not one-at-a-time) forwarding visible
    const f = corpusFixture(start, { delayMs: 15 });
    for (const c of cases) {
      it(`${c.class}: ${c.name}`, async () => {
        const caps = [f.admin, f.public];
        for (const k of caps) k.reset();
        const steps = typeof c.send === 'string' ? [c.send] : c.send;
        const finals = 'forwarded' in c.expect ? c.expect.forwarded.length : 1;
        const conv = await converse(f.port, steps, { finals, timeoutMs: 1500 });
        await sleep(20); // anything forwarded late still shows up
        expect(judge(c, conv, caps)).toEqual([]);
      });
    }
  });
}

/** A head with no stray CR, LF or NUL: every CR is part of a CRLF, every LF follows a CR. */
function cleanHead(head: string): boolean {
  return !/\r(?!\n)|(?<!\r)\n|\0/.test(head);
}

/** Every way the client's view of one hostile response differs from what is allowed. */
export function judgeResponse(c: ResponseCase, conv: Conversation, followUp: Response | undefined): string[] {
  const problems: string[] = [];
  const first = conv.responses[0];
  const o = c.expect;
  const fromRouter = (x: Response) => header(x, 'x-capture').length === 0;
  const isGateway = first !== undefined && first.status === 502 && first.complete && fromRouter(first);
  const relayOk = (status: number, body?: string, absent?: string[]) => {
    if (!first || first.status !== status || !first.complete) return false;
    if (body !== undefined && first.body.toString('latin1') !== body) return false;
    return !(absent ?? []).some((n) => header(first, n).length > 0);
  };
  if ('gateway' in o && !isGateway) problems.push('want the router\'s 502');
  if ('relay' in o && !relayOk(o.relay, o.body, o.absent)) problems.push(`want ${o.relay} ${JSON.stringify(o.body)} relayed${o.absent ? ' without ' + o.absent.join(', ') : ''}`);
  if ('relayOrGateway' in o && !isGateway && !relayOk(o.relayOrGateway, o.body, o.absent)) problems.push(`want 502, or ${o.relayOrGateway} ${JSON.stringify(o.body)} relayed${o.absent ? ' without ' + o.absent.join(', ') : ''}`);
  if ('cut' in o && !isGateway && !(first && !first.complete && conv.closed)) problems.push('want 502, or a cut-short body and then the connection closed');
  if (first && !first.complete && !conv.closed) problems.push('a cut-short response left the client connection open (the next answer would desync)');
  for (const x of [...conv.interim, ...conv.responses]) if (!cleanHead(x.head)) problems.push(`stray CR/LF/NUL in a relayed head: ${JSON.stringify(x.head)}`);
  if (conv.interim.some((x) => x.status === 100)) problems.push('an unrequested 100 Continue reached the client');
  if (conv.raw.toString('latin1').includes(SMUGGLED_MARK)) problems.push('bytes the backend sent after its response reached the client');
  if (!followUp || followUp.status !== 200 || followUp.body.toString() !== 'public /ok') {
    problems.push(`next request: want 200 "public /ok", got ${followUp ? `${followUp.status} ${JSON.stringify(followUp.body.toString('latin1').slice(0, 60))}` : 'nothing'}`);
  }
  return problems.length ? [...problems, `client saw: ${describeConversation(conv)}`] : [];
}

/** One vitest test per hostile response, against routers made by `start`. */
export function runResponseCorpus(start: StartRouter, cases: ResponseCase[] = RESPONSE_CASES): void {
  describe('security corpus: hostile backend responses', () => {
    const f = corpusFixture(start, {
      reply: (r) => {
        const m = /^\/case\/(\d+)$/.exec(r.target);
        return m ? cases[Number(m[1])]!.reply : undefined;
      },
    });
    cases.forEach((c, i) => {
      it(c.name, async () => {
        const ask = (path: string) => req(`GET ${path} HTTP/1.1`, ['Host: a.example']);
        // the hostile answer, then the next request on the same connection if it is still open
        const conv = await converse(f.port, [ask(`/case/${i}`), { responses: 1 }, ask('/ok')], { finals: 2, timeoutMs: 1500 });
        let followUp = conv.responses[1];
        if (!followUp && conv.closed) followUp = (await converse(f.port, [ask('/ok')], { timeoutMs: 1500 })).responses[0];
        expect(judgeResponse(c, conv, followUp)).toEqual([]);
      });
    });
  });
}
