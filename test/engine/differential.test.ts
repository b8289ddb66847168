// Differential corpus (issue 13): every case goes through a router on the node:http engine and one
// on the fast engine, in front of the same capture backends, and both must decide the same way:
// the same answers (status, and the body of the router's own answers), the connection closed or
// kept alike, and byte-identical requests upstream (head and de-chunked body; the generated
// request ID aside). Then the hostile backend answers, judged by what the client sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startRouter, type TestRouter } from '../helpers.js';
import { startCapture, type Capture, type CaptureOptions } from '../security/capture.js';
import { converse, header, type Conversation } from '../security/client.js';
import { CASES, req, securityConfig } from '../security/corpus.js';
import { RESPONSE_CASES } from '../security/responses.js';
import { DIFF_CASES, DIFF_RESPONSES } from './differential.js';

type Engine = 'node' | 'fast';

interface Seen {
  answers: string[];
  closed: boolean;
  upstream: string[];
}

function seen(conv: Conversation, caps: Capture[]): Seen {
  const arrived = caps.flatMap((k) => k.received).sort((a, b) => a.at - b.at);
  return {
    answers: conv.responses.map((r) => {
      const from = header(r, 'x-capture')[0];
      // the router's own answers carry their code (src/errors.ts); the wording of the detail may
      // differ (node:http runs the pipeline's checks before llhttp reports what follows the head)
      return `${r.status}${r.complete ? '' : ' (cut)'} ${from ?? `router ${header(r, 'x-switchyard-error')[0] ?? '?'}`}`;
    }),
    closed: conv.closed,
    upstream: arrived.map((r) => `${r.pool}\n${r.head.split('\r\n').filter((l) => !/^x-request-id:/i.test(l)).join('\r\n')}\n\n${r.body.toString('latin1')}`),
  };
}

/** Two routers, one per engine, over the same two capture backends. */
function fixture(opts: CaptureOptions) {
  const f = { admin: undefined as unknown as Capture, public: undefined as unknown as Capture, routers: {} as Record<Engine, TestRouter> };
  beforeAll(async () => {
    f.admin = await startCapture('admin', opts);
    f.public = await startCapture('public', opts);
    for (const engine of ['node', 'fast'] as const) {
      const c = securityConfig(f.admin.url, f.public.url);
      f.routers[engine] = await startRouter({ ...c, listen: { host: '127.0.0.1', port: 0, engine } });
    }
  });
  afterAll(async () => {
    for (const r of Object.values(f.routers)) await r.close();
    await f.admin.close();
    await f.public.close();
  });
  return f;
}

/** Requests in `send` (request lines), the answers to wait for at most. */
const requestsIn = (send: string) => Math.max(1, (send.match(/ HTTP\/\d\.\d+\r?\n/g) ?? []).length);

describe('differential corpus: both engines decide every request alike', () => {
  const f = fixture({});
  const cases = [...CASES.map((c) => ({ name: c.name, class: c.class, send: typeof c.send === 'string' ? c.send : undefined })), ...DIFF_CASES]
    .filter((c): c is { name: string; class: string; send: string } => c.send !== undefined);
  for (const c of cases) {
    it(`${c.class}: ${c.name}`, async () => {
      const out = {} as Record<Engine, Seen>;
      for (const engine of ['node', 'fast'] as const) {
        f.admin.reset();
        f.public.reset();
        const conv = await converse(f.routers[engine].port, [c.send], { finals: requestsIn(c.send), timeoutMs: 800 });
        await sleep(20);
        out[engine] = seen(conv, [f.admin, f.public]);
      }
      expect(out.fast).toEqual(out.node);
    });
  }
});

describe('differential corpus: both engines relay hostile backend answers alike', () => {
  const replies = [...RESPONSE_CASES.map((c) => ({ name: c.name, reply: c.reply })), ...DIFF_RESPONSES];
  const f = fixture({
    reply: (r) => {
      const m = /^\/case\/(\d+)$/.exec(r.target);
      return m ? replies[Number(m[1])]!.reply : undefined;
    },
  });
  replies.forEach((c, i) => {
    it(c.name, async () => {
      const out = {} as Record<Engine, Seen>;
      for (const engine of ['node', 'fast'] as const) {
        f.admin.reset();
        f.public.reset();
        const ask = (path: string) => req(`GET ${path} HTTP/1.1`, ['Host: a.example']);
        const conv = await converse(f.routers[engine].port, [ask(`/case/${i}`), { responses: 1 }, ask('/ok')], { finals: 2, timeoutMs: 1000 });
        out[engine] = seen(conv, [f.admin, f.public]);
      }
      expect(out.fast).toEqual(out.node);
    });
  });
});
