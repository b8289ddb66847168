// The standing request corpus (issue 11): raw request bytes and the outcome docs/security.md
// demands for each. Data only; test/security/runner.ts runs it against any front end,
// src/selftest/run.ts against a config. Routes (securityConfig): /admin/** and
// (case-insensitively) /private/** → pool admin, the rest → public.
import type { Captured } from './capture.js';
import type { Step } from './client.js';

export type PoolName = 'admin' | 'public';

/** One request as it must arrive at a backend. */
export interface Arrival {
  pool: PoolName;
  /** The request line, exactly. */
  line?: string;
  /** `name: value` lines; for each name listed, the values that arrive are exactly these. */
  headers?: string[];
  /** Header names that must not arrive. */
  absent?: string[];
  /** The de-chunked body, exactly. */
  body?: string;
  /** Anything else: returns a problem, or undefined. */
  check?: (r: Captured) => string | undefined;
}

export type Outcome =
  /**
   * Answered `refused` by the router and nothing reaches any backend. `inBody`: the fault sits in a
   * chunked body, read after the head may already be on its way (bodies stream, docs/routing.md
   * "Data plane"): a backend may see the head but never a whole request.
   */
  | { refused: number; inBody?: true }
  /** Each arrival reaches its pool, in order, and the client gets one 200 per arrival, in order. */
  | { forwarded: Arrival[]; oneAtATime?: true };

export interface Case {
  name: string;
  class: string;
  send: string | Step[];
  expect: Outcome;
}

const H = 'Host: a.example\r\n';

/** A request from a line, header lines and an optional body (CRLF everywhere). */
export function req(line: string, headers: string[] = [], body = ''): string {
  return `${line}\r\n${headers.map((h) => h + '\r\n').join('')}\r\n${body}`;
}

const get = (path: string, extra: string[] = []) => req(`GET ${path} HTTP/1.1`, ['Host: a.example', ...extra]);
const refused = (status = 400): Outcome => ({ refused: status });
const at = (pool: PoolName, line: string, more: Omit<Arrival, 'pool' | 'line'> = {}): Outcome => ({ forwarded: [{ pool, line, ...more }] });

const baseline: Case[] = [
  { name: 'plain GET to public', class: 'baseline', send: get('/public/x'), expect: at('public', 'GET /public/x HTTP/1.1', { headers: ['host: a.example'] }) },
  { name: 'plain GET to admin', class: 'baseline', send: get('/admin/x'), expect: at('admin', 'GET /admin/x HTTP/1.1') },
  { name: 'POST with Content-Length', class: 'baseline', send: req('POST /public/p HTTP/1.1', ['Host: a.example', 'Content-Length: 5'], 'hello'), expect: at('public', 'POST /public/p HTTP/1.1', { body: 'hello' }) },
  { name: 'POST chunked', class: 'baseline', send: req('POST /admin/p HTTP/1.1', ['Host: a.example', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), expect: at('admin', 'POST /admin/p HTTP/1.1', { body: 'hello world' }) },
  {
    name: 'HTTP/1.0 without Host', class: 'baseline', send: 'GET /public/x HTTP/1.0\r\n\r\n',
    expect: { forwarded: [{ pool: 'public', check: (r) => (r.method === 'GET' && r.target === '/public/x' ? undefined : `arrived as ${r.requestLine}`) }] },
  },
  { name: 'Transfer-Encoding: Chunked (codings are case-insensitive)', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: Chunked'], '3\r\nabc\r\n0\r\n\r\n'), expect: at('public', 'POST /public/p HTTP/1.1', { body: 'abc' }) },
  { name: 'Transfer-Encoding with extra spaces before chunked (OWS)', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding:    chunked'], '3\r\nabc\r\n0\r\n\r\n'), expect: at('public', 'POST /public/p HTTP/1.1', { body: 'abc' }) },
];

const framing: Case[] = [
  { name: 'CL+TE', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nGET /admin/x HTTP/1.1\r\nHost: a.example\r\n\r\n'), expect: refused() },
  { name: 'TE+CL', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked', 'Content-Length: 40'], '0\r\n\r\nGET /admin/x HTTP/1.1\r\nHost: a.example\r\n\r\n'), expect: refused() },
  { name: 'duplicate Content-Length, equal', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 5', 'Content-Length: 5'], 'hello'), expect: refused() },
  { name: 'duplicate Content-Length, different', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 5', 'Content-Length: 45'], 'helloGET /admin/x HTTP/1.1\r\nHost: a.example\r\n\r\n'), expect: refused() },
  { name: 'Content-Length list "5, 5"', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 5, 5'], 'hello'), expect: refused() },
  { name: 'Content-Length with plus sign', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: +5'], 'hello'), expect: refused() },
  { name: 'Content-Length negative', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: -1'], 'hello'), expect: refused() },
  { name: 'Content-Length with inner space', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 1 0'], 'helloworld'), expect: refused() },
  { name: 'Content-Length in hex', class: 'framing', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 0x5'], 'hello'), expect: refused() },
  { name: 'TE "chunked, identity"', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked, identity'], '0\r\n\r\n'), expect: refused() },
  { name: 'TE "identity"', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: identity'], 'hello'), expect: refused() },
  { name: 'TE "xchunked"', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: xchunked'], '0\r\n\r\n'), expect: refused() },
  { name: 'TE "chunked" twice', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '0\r\n\r\n'), expect: refused() },
  { name: 'TE value after vertical tab', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: \x0bchunked'], '0\r\n\r\n'), expect: refused() },
  { name: 'TE header line starting with a space', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), ' Transfer-Encoding: chunked'], '0\r\n\r\n'), expect: refused() },
  { name: 'TE value in a folded line', class: 'te', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding:', ' chunked'], '0\r\n\r\n'), expect: refused() },
  { name: 'obs-fold in an ordinary header', class: 'line', send: req('GET /public/x HTTP/1.1', [H.trim(), 'X-A: 1', ' 2']), expect: refused() },
  { name: 'bare LF line endings', class: 'line', send: 'GET /public/x HTTP/1.1\nHost: a.example\n\n', expect: refused() },
  { name: 'bare LF after one header', class: 'line', send: 'GET /public/x HTTP/1.1\r\nHost: a.example\nX-A: 1\r\n\r\n', expect: refused() },
  { name: 'bare CR in a header value', class: 'line', send: req('GET /public/x HTTP/1.1', [H.trim(), 'X-A: a\rX-B: b']), expect: refused() },
  { name: 'NUL in a header value', class: 'line', send: req('GET /public/x HTTP/1.1', [H.trim(), 'X-A: a\0b']), expect: refused() },
  { name: 'space before the colon', class: 'line', send: req('GET /public/x HTTP/1.1', [H.trim(), 'X-A : 1']), expect: refused() },
  { name: 'space before the colon of Transfer-Encoding', class: 'line', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 5', 'Transfer-Encoding : chunked'], 'hello'), expect: refused() },
  { name: 'chunk size overflow', class: 'chunk', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked'], 'fffffffffffffffff1\r\nhello\r\n0\r\n\r\n'), expect: { refused: 400, inBody: true } },
  { name: 'chunk size bad hex', class: 'chunk', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked'], 'zz\r\nhello\r\n0\r\n\r\n'), expect: { refused: 400, inBody: true } },
  { name: 'chunk data without its CRLF', class: 'chunk', send: req('POST /public/p HTTP/1.1', [H.trim(), 'Transfer-Encoding: chunked'], '5\r\nhelloXX0\r\n\r\n'), expect: { refused: 400, inBody: true } },
];

const versions: Case[] = [
  { name: 'HTTP/0.9 request line', class: 'version', send: 'GET /public/x\r\n\r\n', expect: refused() },
  { name: 'HTTP/2.0 on an HTTP/1 listener', class: 'version', send: req('GET /public/x HTTP/2.0', [H.trim()]), expect: refused() },
  { name: 'HTTP/1.2', class: 'version', send: req('GET /public/x HTTP/1.2', [H.trim()]), expect: refused() },
  { name: 'lower-case version', class: 'version', send: req('GET /public/x http/1.1', [H.trim()]), expect: refused() },
  { name: 'NUL in the request-target', class: 'version', send: req('GET /public/\0x HTTP/1.1', [H.trim()]), expect: refused() },
];

const hosts: Case[] = [
  { name: 'missing Host on 1.1', class: 'host', send: 'GET /public/x HTTP/1.1\r\n\r\n', expect: refused() },
  { name: 'duplicate Host, equal', class: 'host', send: get('/public/x', ['Host: a.example']), expect: refused() },
  { name: 'duplicate Host, different', class: 'host', send: get('/public/x', ['Host: b.example']), expect: refused() },
  { name: 'Host "a b"', class: 'host', send: req('GET /public/x HTTP/1.1', ['Host: a b']), expect: refused() },
  { name: 'Host "x@y"', class: 'host', send: req('GET /public/x HTTP/1.1', ['Host: x@y']), expect: refused() },
  { name: 'Host "a.example:80:80"', class: 'host', send: req('GET /public/x HTTP/1.1', ['Host: a.example:80:80']), expect: refused() },
  { name: 'Host with a non-numeric port', class: 'host', send: req('GET /public/x HTTP/1.1', ['Host: a.example:http']), expect: refused() },
  { name: 'empty Host', class: 'host', send: req('GET /public/x HTTP/1.1', ['Host:']), expect: refused() },
  // the contract is silent on a mismatch; refused, as HAProxy refuses an authority that is not the Host
  { name: 'absolute-form naming another host', class: 'host', send: req('GET http://other.example/admin/x HTTP/1.1', [H.trim()]), expect: refused() },
  { name: 'absolute-form naming the same host', class: 'host', send: req('GET http://a.example/admin/x HTTP/1.1', [H.trim()]), expect: at('admin', 'GET /admin/x HTTP/1.1', { headers: ['host: a.example'] }) },
  { name: 'Connection lists Host', class: 'host', send: get('/public/x', ['Connection: host']), expect: refused() },
  { name: 'Connection lists Host among others', class: 'host', send: get('/public/x', ['Connection: keep-alive, Host']), expect: refused() },
];

const headerRules: Case[] = [
  {
    name: 'client-supplied forwarding headers from an untrusted peer', class: 'forwarding',
    send: get('/public/x', ['X-Real-IP: 10.9.9.9', 'True-Client-IP: 10.9.9.9', 'X-Forwarded-For: 10.9.9.9', 'Forwarded: for=10.9.9.9', 'X-Forwarded-Host: evil.example']),
    expect: at('public', 'GET /public/x HTTP/1.1', {
      headers: ['x-forwarded-for: 127.0.0.1', 'x-forwarded-host: a.example'],
      absent: ['x-real-ip', 'true-client-ip', 'forwarded'],
    }),
  },
  { name: 'underscore header names dropped by default', class: 'headers', send: get('/public/x', ['X_Evil: 1', 'X-Good: 1', 'Content_Length: 5']), expect: at('public', 'GET /public/x HTTP/1.1', { headers: ['x-good: 1'], absent: ['x_evil', 'content_length'] }) },
  { name: 'Connection names a hop-by-hop header', class: 'headers', send: get('/public/x', ['Connection: x-secret', 'X-Secret: 1']), expect: at('public', 'GET /public/x HTTP/1.1', { absent: ['x-secret'] }) },
  {
    name: 'exactly 100 header fields', class: 'limits',
    send: get('/public/x', Array.from({ length: 99 }, (_, i) => `X-N${i}: ${i}`)),
    expect: at('public', 'GET /public/x HTTP/1.1', { headers: ['x-n98: 98'] }),
  },
  { name: '101 header fields', class: 'limits', send: get('/public/x', Array.from({ length: 100 }, (_, i) => `X-N${i}: ${i}`)), expect: refused(431) },
  { name: 'header block over maxHeaderSize', class: 'limits', send: get('/public/x', [`X-Big: ${'a'.repeat(17_000)}`]), expect: refused(431) },
];

const paths: Case[] = [
  { name: '//admin/x (slashes merged)', class: 'path', send: get('//admin/x'), expect: at('admin', 'GET /admin/x HTTP/1.1') },
  { name: '/public//x (slashes merged)', class: 'path', send: get('/public//x'), expect: at('public', 'GET /public/x HTTP/1.1') },
  { name: '/public/..;/admin/x', class: 'path', send: get('/public/..;/admin/x'), expect: refused() },
  { name: '/public/..\\admin/x', class: 'path', send: get('/public/..\\admin/x'), expect: refused() },
  { name: '/public/..%5cadmin/x', class: 'path', send: get('/public/..%5cadmin/x'), expect: refused() },
  { name: '/public/..%2Fadmin/x', class: 'path', send: get('/public/..%2Fadmin/x'), expect: refused() },
  { name: '/public/%2e%2e%2fadmin/x', class: 'path', send: get('/public/%2e%2e%2fadmin/x'), expect: refused() },
  // %2F outside a dot segment is one segment: not /admin/**, and forwarded exactly as matched
  { name: '/admin%2Fx (encoded slash: a backend may read it as a separator)', class: 'path', send: get('/admin%2Fx'), expect: refused() },
  { name: '/admin%2fx (lower-case hex)', class: 'path', send: get('/admin%2fx'), expect: refused() },
  { name: '/admin;x/y (path parameter kept as sent)', class: 'path', send: get('/admin;x/y'), expect: at('public', 'GET /admin;x/y HTTP/1.1') },
  { name: '/ADMIN/x (case-sensitive route)', class: 'path', send: get('/ADMIN/x'), expect: at('public', 'GET /ADMIN/x HTTP/1.1') },
  { name: '/PRIVATE/x (caseInsensitive route)', class: 'path', send: get('/PRIVATE/x'), expect: at('admin', 'GET /PRIVATE/x HTTP/1.1') },
  { name: '/public/%2e%2e/admin/x resolves to /admin/x', class: 'path', send: get('/public/%2e%2e/admin/x'), expect: at('admin', 'GET /admin/x HTTP/1.1') },
  { name: '/admin/../public/x resolves to /public/x', class: 'path', send: get('/admin/../public/x'), expect: at('public', 'GET /public/x HTTP/1.1') },
  { name: '/admin/./x', class: 'path', send: get('/admin/./x'), expect: at('admin', 'GET /admin/x HTTP/1.1') },
  { name: '/public/%00 (encoded NUL)', class: 'path', send: get('/public/%00'), expect: refused() },
  { name: '/public/%0d%0aX: y (encoded CRLF)', class: 'path', send: get('/public/%0d%0aX:%20y'), expect: refused() },
  { name: '/public/%zz invalid encoding', class: 'path', send: get('/public/%zz'), expect: refused() },
  { name: 'query kept as sent', class: 'path', send: get('/admin/x?a=/../b&c=%2F'), expect: at('admin', 'GET /admin/x?a=/../b&c=%2F HTTP/1.1') },
];

const body = 'hello';
const sequencing: Case[] = [
  {
    name: 'Expect: 100-continue with a body', class: 'expect',
    send: [req('POST /public/p HTTP/1.1', [H.trim(), 'Content-Length: 5', 'Expect: 100-continue']), { waitMs: 150 }, body],
    expect: at('public', 'POST /public/p HTTP/1.1', { body }),
  },
  {
    name: 'pipelined GETs to two pools', class: 'pipeline', send: get('/public/a') + get('/admin/b') + get('/public/c'),
    expect: { forwarded: [{ pool: 'public', line: 'GET /public/a HTTP/1.1' }, { pool: 'admin', line: 'GET /admin/b HTTP/1.1' }, { pool: 'public', line: 'GET /public/c HTTP/1.1' }], oneAtATime: true },
  },
  {
    name: 'pipelined POST then GET', class: 'pipeline',
    send: req('POST /public/a HTTP/1.1', [H.trim(), 'Content-Length: 5'], body) + get('/admin/b'),
    expect: { forwarded: [{ pool: 'public', line: 'POST /public/a HTTP/1.1', body }, { pool: 'admin', line: 'GET /admin/b HTTP/1.1' }], oneAtATime: true },
  },
  {
    name: 'upgrade answered 200, then GET /admin/x on the same connection', class: 'upgrade',
    send: [get('/public/ws', ['Connection: Upgrade', 'Upgrade: websocket']), { responses: 1 }, get('/admin/x')],
    expect: { forwarded: [{ pool: 'public', line: 'GET /public/ws HTTP/1.1' }, { pool: 'admin', line: 'GET /admin/x HTTP/1.1' }] },
  },
  {
    name: 'chunked upgrade request', class: 'upgrade',
    send: req('GET /public/ws HTTP/1.1', [H.trim(), 'Connection: Upgrade', 'Upgrade: websocket', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
    expect: refused(),
  },
];

export const CASES: Case[] = [...baseline, ...framing, ...versions, ...hosts, ...headerRules, ...paths, ...sequencing];

/** The router config every front end runs the corpus with; backends are capture URLs. */
export function securityConfig(admin: string, pub: string): Record<string, unknown> {
  return {
    pools: { admin: { backends: [admin] }, public: { backends: [pub] } },
    routes: [
      { name: 'admin', match: { path: '/admin/**' }, pool: 'admin' },
      { name: 'private', match: { path: '/private/**' }, caseInsensitive: true, pool: 'admin' },
      { name: 'public', match: {}, pool: 'public' },
    ],
  };
}
