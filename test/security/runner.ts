// Runs the request corpus (corpus.ts) against any front end: give runCorpus a function that starts
// a router from a config object, and it registers one vitest test per case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, type Capture, type CaptureOptions } from './capture.js';
import { converse, header, type Conversation, type Response } from './client.js';
import { CASES, req, securityConfig, type Case } from './corpus.js';
import { describeConversation, judge } from '../../src/selftest/judge.js';
import { RESPONSE_CASES, SMUGGLED_MARK, type ResponseCase } from './responses.js';
import { sleep, type TestRouter } from '../helpers.js';

/** Starts a router from a config object: the kit's startRouter, or any other front end.*/
export { describeConversation, judge };

export type StartRouter = (config: Record<string, unknown>) => Promise<Pick<TestRouter, 'port' | 'close'>>;

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
