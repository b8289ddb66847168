// Hostile backend responses (issue 11): what a capture backend answers to `GET /case/<n>`, and
// what the client may see. Whatever the answer, the router must not crash and the next request on
// the same client connection must get its own answer (runner.ts, runResponseCorpus).
import type { Reply } from './capture.js';

export type ResponseOutcome =
  /** The router's own 502. */
  | { gateway: true }
  /** Relayed: this status and body, without these headers. */
  | { relay: number; body?: string; absent?: string[] }
  /** Either of the two above. */
  | { relayOrGateway: number; body?: string; absent?: string[] }
  /** A 502, or a response whose body is cut short and the connection then closed. */
  | { cut: true };

export interface ResponseCase {
  name: string;
  reply: Reply;
  expect: ResponseOutcome;
}

const SMUGGLED = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED';
export const SMUGGLED_MARK = 'SMUGGLED';

const r = (bytes: string, close = false): Reply => ({ bytes, close });
const gateway = { gateway: true } as const;
const cut = { cut: true } as const;

export const RESPONSE_CASES: ResponseCase[] = [
  { name: 'CL+TE', reply: r(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`), expect: gateway },
  { name: 'duplicate Content-Length, different', reply: r(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 48\r\n\r\nok${SMUGGLED}`), expect: gateway },
  { name: 'duplicate Content-Length, equal', reply: r('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'), expect: { relayOrGateway: 200, body: 'ok' } },
  { name: 'negative Content-Length', reply: r('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok'), expect: gateway },
  { name: 'Content-Length not a number', reply: r('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok'), expect: gateway },
  { name: 'invalid status line', reply: r('HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok'), expect: gateway },
  { name: 'not HTTP at all', reply: r('hello there\r\n\r\n', true), expect: gateway },
  { name: 'header block of 100 KB', reply: r(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`), expect: gateway },
  { name: 'storm of 50 unrequested 100 Continue', reply: r(`${'HTTP/1.1 100 Continue\r\n\r\n'.repeat(50)}HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`), expect: { relay: 200, body: 'ok' } },
  { name: 'close before any byte', reply: 'close', expect: gateway },
  { name: 'close inside the headers', reply: r('HTTP/1.1 200 OK\r\nContent-Le', true), expect: gateway },
  { name: 'close inside the body', reply: r('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789', true), expect: cut },
  { name: 'no length, body until close', reply: r('HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close', true), expect: { relay: 200, body: 'until close' } },
  { name: 'chunked, bad chunk size', reply: r('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n'), expect: cut },
  { name: 'chunked, data without CRLF', reply: r(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n${SMUGGLED}`), expect: cut },
  { name: 'chunked, size overflow', reply: r('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nok\r\n0\r\n\r\n'), expect: cut },
  { name: 'bare CR in a header value', reply: r('HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: evil=1\r\nContent-Length: 2\r\n\r\nok'), expect: { relayOrGateway: 200, body: 'ok', absent: ['set-cookie'] } },
  { name: 'bare LF inside the header block', reply: r('HTTP/1.1 200 OK\r\nX-A: a\nX-B: b\r\nContent-Length: 2\r\n\r\nok'), expect: { relayOrGateway: 200, body: 'ok' } },
  { name: 'NUL in a header value', reply: r('HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok'), expect: { relayOrGateway: 200, body: 'ok' } },
  { name: 'obs-fold in a header', reply: r('HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok'), expect: { relayOrGateway: 200, body: 'ok' } },
  { name: '101 to a request that asked for no upgrade', reply: r(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n${SMUGGLED}`), expect: gateway },
  { name: 'bytes after the body (a second response)', reply: r(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok${SMUGGLED}`), expect: { relay: 200, body: 'ok' } },
  { name: '204 with a body', reply: r(`HTTP/1.1 204 No Content\r\nContent-Length: 48\r\n\r\n${SMUGGLED}HTTP/1.1 200 OK\r\n\r\n`), expect: { relayOrGateway: 204, body: '' } },
  { name: 'hop-by-hop headers named by Connection', reply: r('HTTP/1.1 200 OK\r\nConnection: x-secret\r\nX-Secret: 1\r\nContent-Length: 2\r\n\r\nok'), expect: { relay: 200, body: 'ok', absent: ['x-secret'] } },
];
