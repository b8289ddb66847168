// The differential corpus (issue 13): byte strings for every request-framing class proxies get
// wrong, the standing corpus of test/security/corpus.ts, and the hostile backend answers of
// test/security/responses.ts. differential.test.ts sends each through a router on each engine.
import { req } from '../security/corpus.js';
import type { Reply } from '../security/capture.js';

export interface DiffCase {
  name: string;
  class: string;
  send: string;
}

const H = 'Host: a.example';
const get = (path: string, extra: string[] = []) => req(`GET ${path} HTTP/1.1`, [H, ...extra]);
const post = (headers: string[], body: string) => req('POST /public/p HTTP/1.1', [H, ...headers], body);
const SMUGGLE = 'GET /admin/x HTTP/1.1\r\nHost: a.example\r\n\r\n';

export const DIFF_CASES: DiffCase[] = [
  // Content-Length and Transfer-Encoding together, repeated, or spelled oddly
  { class: 'cl-te', name: 'CL then TE', send: post(['Content-Length: 6', 'Transfer-Encoding: chunked'], `0\r\n\r\n${SMUGGLE}`) },
  { class: 'cl-te', name: 'TE then CL', send: post(['Transfer-Encoding: chunked', 'Content-Length: 3'], `0\r\n\r\n${SMUGGLE}`) },
  { class: 'cl', name: 'CL twice, equal', send: post(['Content-Length: 3', 'Content-Length: 3'], 'abc') },
  { class: 'cl', name: 'CL twice, different', send: post(['Content-Length: 3', 'Content-Length: 41'], `abc${SMUGGLE}`) },
  { class: 'cl', name: 'CL list', send: post(['Content-Length: 3,3'], 'abc') },
  { class: 'cl', name: 'CL with plus sign', send: post(['Content-Length: +3'], 'abc') },
  { class: 'cl', name: 'CL negative', send: post(['Content-Length: -3'], 'abc') },
  { class: 'cl', name: 'CL hex', send: post(['Content-Length: 0x3'], 'abc') },
  { class: 'cl', name: 'CL inner space', send: post(['Content-Length: 1 2'], 'abcdefghijkl') },
  { class: 'cl', name: 'CL trailing spaces (OWS)', send: post(['Content-Length: 3  '], 'abc') },
  { class: 'cl', name: 'CL leading zeros', send: post(['Content-Length: 003'], 'abc') },
  { class: 'cl', name: 'CL overflowing', send: post(['Content-Length: 99999999999999999999999'], 'abc') },
  { class: 'cl', name: 'CL empty', send: post(['Content-Length:'], 'abc') },
  // Transfer-Encoding other than a final chunked
  { class: 'te', name: 'TE identity', send: post(['Transfer-Encoding: identity'], 'abc') },
  { class: 'te', name: 'TE gzip', send: post(['Transfer-Encoding: gzip'], 'abc') },
  { class: 'te', name: 'TE chunked, gzip', send: post(['Transfer-Encoding: chunked, gzip'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE gzip, chunked', send: post(['Transfer-Encoding: gzip, chunked'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE twice', send: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE with vertical tab', send: post(['Transfer-Encoding: \x0bchunked'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE "chunked" quoted', send: post(['Transfer-Encoding: "chunked"'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE upper case', send: post(['Transfer-Encoding: CHUNKED'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'te', name: 'TE on HTTP/1.0', send: req('POST /public/p HTTP/1.0', [H, 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n') },
  // obs-fold, bare CR or LF, NUL and control characters
  { class: 'fold', name: 'obs-fold continuation line', send: get('/public/x', ['X-A: 1', ' 2']) },
  { class: 'fold', name: 'obs-fold on Transfer-Encoding', send: post(['Transfer-Encoding:', ' chunked'], '3\r\nabc\r\n0\r\n\r\n') },
  { class: 'crlf', name: 'bare LF line endings', send: 'GET /public/x HTTP/1.1\nHost: a.example\n\n' },
  { class: 'crlf', name: 'bare CR inside a value', send: get('/public/x', ['X-A: a\rb']) },
  { class: 'crlf', name: 'bare CR ending the request line', send: 'GET /public/x HTTP/1.1\rHost: a.example\r\n\r\n' },
  { class: 'crlf', name: 'LF only after the headers', send: 'GET /public/x HTTP/1.1\r\nHost: a.example\r\n\n' },
  { class: 'ctl', name: 'NUL in a value', send: get('/public/x', ['X-A: a\0b']) },
  { class: 'ctl', name: 'DEL in a value', send: get('/public/x', ['X-A: a\x7fb']) },
  { class: 'ctl', name: 'control character in a value', send: get('/public/x', ['X-A: a\x01b']) },
  { class: 'ctl', name: 'NUL in the target', send: 'GET /public/\0x HTTP/1.1\r\nHost: a.example\r\n\r\n' },
  { class: 'ctl', name: 'tab in a value (allowed)', send: get('/public/x', ['X-A: a\tb']) },
  { class: 'ctl', name: 'obs-text in a value', send: get('/public/x', ['X-A: caf\xe9']) },
  // header names that are not tokens, a space before the colon
  { class: 'name', name: 'parenthesis in a name', send: get('/public/x', ['X(A): 1']) },
  { class: 'name', name: 'at sign in a name', send: get('/public/x', ['X@A: 1']) },
  { class: 'name', name: 'quote in a name', send: get('/public/x', ['"X": 1']) },
  { class: 'name', name: 'space inside a name', send: get('/public/x', ['X A: 1']) },
  { class: 'name', name: 'empty name', send: get('/public/x', [': 1']) },
  { class: 'name', name: 'space before the colon', send: get('/public/x', ['X-A : 1']) },
  { class: 'name', name: 'tab before the colon', send: get('/public/x', ['X-A\t: 1']) },
  { class: 'name', name: 'space before the colon of Content-Length', send: post(['Content-Length : 3'], 'abc') },
  { class: 'name', name: 'no colon', send: get('/public/x', ['X-A 1']) },
  { class: 'name', name: 'underscore name (dropped)', send: get('/public/x', ['X_A: 1']) },
  // chunk sizes and extensions
  { class: 'chunk', name: 'chunk size not hex', send: post(['Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk size overflowing 64 bits', send: post(['Transfer-Encoding: chunked'], 'fffffffffffffffff3\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk size with 0x', send: post(['Transfer-Encoding: chunked'], '0x3\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk size negative', send: post(['Transfer-Encoding: chunked'], '-3\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk size with a space before CRLF', send: post(['Transfer-Encoding: chunked'], '3 \r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk data longer than its size', send: post(['Transfer-Encoding: chunked'], '3\r\nabcdef\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk without CRLF after data', send: post(['Transfer-Encoding: chunked'], '3\r\nabc0\r\n\r\n') },
  { class: 'chunk', name: 'chunk extension (allowed)', send: post(['Transfer-Encoding: chunked'], '3;name=value\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk extension with a quoted value', send: post(['Transfer-Encoding: chunked'], '3;name="v a"\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk extension with a control character', send: post(['Transfer-Encoding: chunked'], '3;na\x01me\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk extension with bare LF', send: post(['Transfer-Encoding: chunked'], '3;a\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'chunk extension, unterminated quote', send: post(['Transfer-Encoding: chunked'], '3;a="b\r\nabc\r\n0\r\n\r\n') },
  { class: 'chunk', name: 'trailer fields after the last chunk', send: post(['Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n') },
  { class: 'chunk', name: 'bad trailer field', send: post(['Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\nX T: 1\r\n\r\n') },
  // versions and targets
  { class: 'version', name: 'HTTP/0.9', send: 'GET /public/x\r\n\r\n' },
  { class: 'version', name: 'HTTP/1.2', send: req('GET /public/x HTTP/1.2', [H]) },
  { class: 'version', name: 'HTTP/2.0 on HTTP/1', send: req('GET /public/x HTTP/2.0', [H]) },
  { class: 'version', name: 'HTTP/1.10', send: req('GET /public/x HTTP/1.10', [H]) },
  { class: 'version', name: 'lower-case http/1.1', send: req('GET /public/x http/1.1', [H]) },
  { class: 'version', name: 'HTTP/1.0 keep-alive', send: req('GET /public/x HTTP/1.0', [H, 'Connection: keep-alive']) },
  { class: 'target', name: 'absolute form, same host', send: req('GET http://a.example/admin/x HTTP/1.1', [H]) },
  { class: 'target', name: 'absolute form, other host', send: req('GET http://b.example/admin/x HTTP/1.1', [H]) },
  { class: 'target', name: 'absolute form https', send: req('GET https://a.example/public/x HTTP/1.1', [H]) },
  { class: 'target', name: 'asterisk form on GET', send: req('GET * HTTP/1.1', [H]) },
  { class: 'target', name: 'OPTIONS *', send: req('OPTIONS * HTTP/1.1', [H]) },
  { class: 'target', name: 'authority form on GET', send: req('GET a.example:80 HTTP/1.1', [H]) },
  { class: 'target', name: 'two spaces in the request line', send: req('GET  /public/x HTTP/1.1', [H]) },
  { class: 'target', name: 'lower-case method', send: req('get /public/x HTTP/1.1', [H]) },
  { class: 'target', name: 'unknown method', send: req('BREW /public/x HTTP/1.1', [H]) },
  { class: 'host', name: 'missing Host on 1.1', send: 'GET /public/x HTTP/1.1\r\n\r\n' },
  { class: 'host', name: 'duplicated Host', send: get('/public/x', ['Host: b.example']) },
  { class: 'host', name: 'Host with a path', send: req('GET /public/x HTTP/1.1', ['Host: a.example/x']) },
  { class: 'host', name: 'empty Host', send: req('GET /public/x HTTP/1.1', ['Host:']) },
  { class: 'host', name: 'HTTP/1.0 without Host', send: 'GET /public/x HTTP/1.0\r\n\r\n' },
  // pipelining
  { class: 'pipeline', name: 'three good requests', send: get('/public/a') + get('/admin/b') + get('/public/c') },
  { class: 'pipeline', name: 'malformed after a good one', send: get('/public/a') + 'GET /admin/b HTTP/1.1\r\nHost: a.example\r\nX A: 1\r\n\r\n' },
  { class: 'pipeline', name: 'bad version after a good one', send: get('/public/a') + req('GET /admin/b HTTP/1.2', [H]) },
  { class: 'pipeline', name: 'missing Host after a good one', send: get('/public/a') + 'GET /admin/b HTTP/1.1\r\n\r\n' },
  { class: 'pipeline', name: 'body then a request', send: post(['Content-Length: 3'], 'abc') + get('/admin/b') },
  { class: 'pipeline', name: 'chunked body then a request', send: post(['Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n') + get('/admin/b') },
  { class: 'pipeline', name: 'bad chunk then a request', send: post(['Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n') + get('/admin/b') },
  { class: 'pipeline', name: 'GET with a body then a request', send: req('GET /public/a HTTP/1.1', [H, 'Content-Length: 41'], SMUGGLE) + get('/admin/b') },
  // hop-by-hop and forwarding headers (the parts each engine rewrites)
  { class: 'rewrite', name: 'Connection naming a header', send: get('/public/x', ['Connection: x-secret', 'X-Secret: 1']) },
  { class: 'rewrite', name: 'client X-Forwarded-For dropped', send: get('/public/x', ['X-Forwarded-For: 6.6.6.6', 'X-Real-IP: 6.6.6.6']) },
  { class: 'rewrite', name: 'TE: trailers and Keep-Alive dropped', send: get('/public/x', ['TE: trailers', 'Keep-Alive: timeout=5']) },
  { class: 'rewrite', name: 'repeated fields keep their order', send: get('/public/x', ['Accept: a', 'X-B: 1', 'Accept: b', 'Cookie: a=1', 'Cookie: b=2']) },
  { class: 'rewrite', name: 'HEAD', send: req('HEAD /public/x HTTP/1.1', [H]) },
  { class: 'rewrite', name: 'POST with an empty body', send: post(['Content-Length: 0'], '') },
  { class: 'rewrite', name: 'DELETE with Content-Length 0', send: req('DELETE /public/x HTTP/1.1', [H, 'Content-Length: 0']) },
];

/** Hostile backend answers beyond test/security/responses.ts (each is the capture's whole reply). */
export const DIFF_RESPONSES: { name: string; reply: Reply }[] = [
  { name: 'CL and TE', reply: { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' } },
  { name: 'two different CLs', reply: { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd' } },
  { name: 'CL with a sign', reply: { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc' } },
  { name: 'bad chunk size', reply: { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n' } },
  { name: 'chunked body cut short', reply: { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', close: true } },
  { name: 'CL body cut short', reply: { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab', close: true } },
  { name: '100 then 200', reply: { bytes: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' } },
  { name: '103 then 200', reply: { bytes: 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' } },
  { name: 'close-delimited body', reply: { bytes: 'HTTP/1.1 200 OK\r\n\r\nto the end', close: true } },
  { name: '204 with a body', reply: { bytes: 'HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc' } },
  { name: '304', reply: { bytes: 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n' } },
  { name: 'chunked with trailers', reply: { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' } },
  { name: 'bare LF in the head', reply: { bytes: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok' } },
  { name: 'HTTP/1.0 answer', reply: { bytes: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok' } },
  { name: 'Connection: close answer', reply: { bytes: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', close: true } },
  { name: 'garbage', reply: { bytes: 'NOT HTTP AT ALL\r\n\r\n' } },
  { name: 'nothing, then close', reply: 'close' },
];
