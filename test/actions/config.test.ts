// Issue 15, route actions in the config: pool XOR redirect/respond (the key is named), header
// edits on what the router owns refused with the reason, rewrites whose fixed parts break the
// path policy refused at check time, and `check` printing each route's action.
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/cli/check.js';
import { validate } from '../../src/config/validate.js';

const base = (routes: unknown[]) => ({ pools: { p: { backends: ['http://127.0.0.1:9'] } }, routes });
const problems = (routes: unknown[]) => validate(base(routes)).problems.map((p) => `${p.path}: ${p.message}`);

describe('route action validation', () => {
  it('a route has pool, redirect or respond: neither and both are named', () => {
    expect(problems([{ match: {} }])).toEqual(['routes[0].pool: is required: name a pool, or give redirect or respond instead']);
    expect(problems([{ pool: 'p', redirect: { to: '/x' } }])).toEqual(['routes[0].pool: a route has one of pool, redirect or respond; this one also has redirect']);
    expect(problems([{ respond: {}, redirect: { to: '/x' } }])).toEqual(['routes[0].respond: a route has one of pool, redirect or respond; this one also has redirect']);
    expect(problems([{ respond: { status: 503 } }, { redirect: { to: 'https://{host}{path}', status: 301 } }])).toEqual([]);
  });

  it('redirect: status and placeholders are checked', () => {
    const got = problems([{ redirect: { to: '/x', status: 303 } }, { redirect: { to: '/{file}' } }, { redirect: { to: 'example.net/x' } }]);
    expect(got).toEqual([
      'routes[0].redirect.status: must be 301, 302, 307 or 308, got 303',
      'routes[1].redirect.to: unknown placeholder {file}; use {scheme}, {host}, {path} or {query}',
      'routes[2].redirect.to: must start with "/", "{path}", "http(s)://" or "{scheme}://", got "example.net/x"',
    ]);
  });

  it('header edits cannot touch hop-by-hop headers, Host, Content-Length or X-Forwarded-*, and say why', () => {
    const got = problems([{
      pool: 'p',
      headers: {
        request: { set: { Connection: 'close', 'x-forwarded-for': '1.2.3.4', 'x-ok': 'a\r\nb' }, remove: ['Host', 'transfer-encoding'] },
        response: { set: { 'content-length': '1' }, remove: ['x-real-ip'] },
      },
    }]);
    expect(got).toEqual([
      'routes[0].headers.request.set.Connection: cannot be set by a route: connection is hop-by-hop: it describes one connection, and Switchyard writes it for each connection itself',
      "routes[0].headers.request.set.x-forwarded-for: cannot be set by a route: x-forwarded-for carries the client's address or protocol: Switchyard sets it from the connection (listen.trustProxy decides what is kept)",
      'routes[0].headers.request.set.x-ok: a header value cannot hold CR, LF or NUL',
      'routes[0].headers.request.remove[0]: cannot be removed by a route: host is forwarded as the client sent it (routes match on it; the backend sees X-Forwarded-Host)',
      'routes[0].headers.request.remove[1]: cannot be removed by a route: transfer-encoding is hop-by-hop: it describes one connection, and Switchyard writes it for each connection itself',
      'routes[0].headers.response.set.content-length: cannot be set by a route: content-length frames the message; Switchyard forwards the length the body has',
      "routes[0].headers.response.remove[0]: cannot be removed by a route: x-real-ip carries the client's address or protocol: Switchyard sets it from the connection (listen.trustProxy decides what is kept)",
    ]);
  });

  it('rewrite prefixes and replacements that break the path policy are refused at check time', () => {
    const got = problems([
      { pool: 'p', rewrite: { addPrefix: '/a/../b' } },
      { pool: 'p', rewrite: { stripPrefix: '/a%2Fb' } },
      { pool: 'p', rewrite: { replace: [/x/, '/../$1'] } },
      { pool: 'p', rewrite: { replace: ['x', '/y'] } },
      { pool: 'p', rewrite: { replace: [/x/, '/y?z'] } },
      { respond: {}, rewrite: { addPrefix: '/a' } },
    ]);
    expect(got).toEqual([
      'routes[3].rewrite.replace[0]: must be a RegExp, got "x"',
      'routes[0].rewrite.addPrefix: addPrefix must satisfy the path policy (docs/security.md#path-policy): the policy would change it (dot segments, repeated slashes, escapes), got "/a/../b"',
      'routes[1].rewrite.stripPrefix: stripPrefix must satisfy the path policy (docs/security.md#path-policy): encoded slash or backslash in path, got "/a%2Fb"',
      'routes[2].rewrite.replace[1]: the replacement must satisfy the path policy (docs/security.md#path-policy): the policy would change it (dot segments, repeated slashes, escapes), got "/../$1"',
      'routes[4].rewrite.replace[1]: the replacement must satisfy the path policy (docs/security.md#path-policy): it cannot hold "?" or "#", got "/y?z"',
      'routes[5].rewrite: a respond route forwards nothing: a rewrite would have no effect',
    ]);
  });

  it('respond headers cannot frame the answer; request edits and body limits on answer routes are refused', () => {
    expect(problems([
      { respond: { headers: { 'content-length': '3', 'content-type': 'x' } } },
      { redirect: { to: '/' }, headers: { request: { set: { a: '1' } } }, maxBodySize: 5 },
      { respond: { status: 204, body: 'x' } },
    ])).toEqual([
      'routes[0].respond.headers.content-length: cannot be given here: content-length frames the message; Switchyard forwards the length the body has',
      'routes[0].respond.headers.content-type: cannot be given here: give it as respond.contentType',
      'routes[1].headers.request: a redirect route forwards nothing: request edits would have no effect',
      'routes[1].maxBodySize: a redirect route reads no body: the limit would have no effect',
      'routes[2].respond.body: a 204 answer has no body',
    ]);
  });
});

describe('check output', () => {
  it('prints each route\'s action, rewrite, header edits and limit', () => {
    const { config } = validate(base([
      { name: 'maintenance', match: { path: '/maintenance' }, respond: { status: 503, body: 'later' } },
      { name: 'old', match: { path: '/old/**' }, redirect: { to: 'https://{host}{path}', status: 301 } },
      {
        name: 'api', match: { path: '/api/**' }, pool: 'p', rewrite: { stripPrefix: '/api' }, maxBodySize: 1024,
        headers: { request: { set: { 'x-tenant': 'a' }, remove: ['cookie'] }, response: { remove: ['server'] } },
      },
      { name: 'rest', pool: 'p' },
    ]));
    const text = describeConfig(config!);
    expect(text).toMatch(/1\. maintenance\s+→ respond 503\s+path ~ \/maintenance/);
    expect(text).toMatch(/2\. old\s+→ redirect 301 https:\/\/\{host\}\{path\}\s+path ~ \/old\/\*\*/);
    expect(text).toMatch(/3\. api\s+→ p\s+path ~ \/api\/\*\*\n\s+rewrite strip \/api; request headers set x-tenant, remove cookie; response headers remove server; maxBodySize 1024\n/);
    expect(text).toMatch(/4\. rest\s+→ p\s+any request/);
  });
});
