// Chain mode against a deliberately naive front proxy written here (node:net): it frames a request
// by Transfer-Encoding when there is one and ignores Content-Length, so the bytes after a `0` chunk
// become a second request. The self-test must call that a desync; straight to Switchyard, the same
// bytes are refused.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, securityConfig } from '../../src/selftest/corpus.js';
import { selftest } from '../../src/selftest/run.js';
import { refusedPort } from '../helpers.js';

/** Split off one request: the head, then a chunked body up to `0\r\n\r\n`, or none. */
function takeRequest(buf: Buffer): { head: string; body: Buffer; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  if (!/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) return { head, body: Buffer.alloc(0), used: end + 4 };
  const last = buf.indexOf('0\r\n\r\n', end + 4);
  if (last === -1) return undefined;
  return { head, body: buf.subarray(end + 4, last + 5), used: last + 5 };
}

/** The naive front: one upstream connection per request (Connection: close), answers in order. */
function naiveFront(upstream: () => number): Promise<Server> {
  const server = createServer((client: Socket) => {
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    client.on('error', () => undefined);
    client.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let r = takeRequest(buf); r; r = takeRequest(buf)) {
        buf = buf.subarray(r.used);
        const lines = r.head.split('\r\n').filter((l) => !/^(content-length|connection):/i.test(l));
        const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1'), r.body]);
        chain = chain.then(() => new Promise<void>((done) => {
          const up = connect(upstream(), '127.0.0.1', () => up.write(bytes));
          up.on('data', (x: Buffer) => client.write(x));
          up.on('error', () => done());
          up.on('close', () => done());
        }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('switchyard selftest --chain behind a naive front proxy', () => {
  let front: Server;
  let back = 0;
  beforeAll(async () => {
    back = await refusedPort();
    front = await naiveFront(() => back);
  });
  afterAll(() => new Promise<void>((r) => front.close(() => r())));

  it('reports the smuggled request as a desync and exits non-ok', async () => {
    const cases = CASES.filter((c) => c.name === 'TE+CL' || c.name === 'plain GET to admin');
    const config = { ...securityConfig('http://127.0.0.1:1', 'http://127.0.0.1:2'), listen: { host: '127.0.0.1', port: back } };
    const r = await selftest(config, 'naive', { chain: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, cases });
    expect(r.ok).toBe(false);
    const [l] = r.listeners;
    const teCl = l!.cases.find((c) => c.name === 'TE+CL')!;
    expect(teCl.verdict).toBe('desync');
    expect(teCl.problems).toContain('2 requests arrived upstream for 1 sent');
    expect(teCl.seen).toMatch(/backends got: public "POST \/public\/p HTTP\/1\.1", admin "GET \/admin\/x HTTP\/1\.1"/);
    // straight to Switchyard the same bytes are refused: the parsers disagree
    expect(teCl.disagreement).toMatch(/^Switchyard alone refuses it; through the front proxy it arrived as public "POST \/public\/p HTTP\/1\.1", admin "GET \/admin\/x HTTP\/1\.1"/);
    expect(l!.cases.find((c) => c.name === 'plain GET to admin')!.verdict).toBe('intact');
    expect(l!.counts).toMatchObject({ desync: 1, intact: 1 });
  });
});
