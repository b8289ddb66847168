// Request-header policy end to end: raw bytes into a real router, a real echo backend behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, rawExchange, startRouter, type TestRouter } from '../helpers.js';

type Echo = Awaited<ReturnType<typeof echoBackend>>;


/** The backend's echo of what it received (rawHeaders as `name: value` lines; undici writes `host`). */
function received(answer: string): string[] {
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { rawHeaders: string[] };
  const out: string[] = [];
  for (let i = 0; i < body.rawHeaders.length; i += 2) out.push(`${body.rawHeaders[i]}: ${body.rawHeaders[i + 1]}`);
  // the request ID the router adds (default on) is tested in test/proxy/request-id.test.ts
  return out.filter((l) => !/^(connection|x-request-id):/i.test(l)).map((l) => (/^host:/i.test(l) ? l.toLowerCase() : l));
}

const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('');

describe('request header policy through the router', () => {
  let a: Echo;
  let r: TestRouter;
  let trusted: TestRouter;
  let small: TestRouter;
  let under: TestRouter;

  beforeAll(async () => {
    a = await echoBackend('a');
    const pools = { web: { scheduler: 'rr', backends: [a.url] } };
    const routes = [{ name: 'web', match: { path: '/**' }, pool: 'web' }];
    r = await startRouter({ pools, routes });
    trusted = await startRouter({ listen: { host: '127.0.0.1', port: 0, trustProxy: ['127.0.0.0/8'] }, pools, routes });
    small = await startRouter({ listen: { host: '127.0.0.1', port: 0, limits: { maxHeaderCount: 5 } }, pools, routes });
    under = await startRouter({ listen: { host: '127.0.0.1', port: 0, allowUnderscoreHeaders: true }, pools, routes });
  });
  afterAll(async () => {
    await Promise.all([r.close(), trusted.close(), small.close(), under.close()]);
    await a.close();
  });

  /** Send `data`, expect `status` and that the backend saw no request. */
  async function refused(port: number, data: string, status: number, code?: string): Promise<string> {
    const before = a.seen.length;
    const res = await rawExchange(port, data);
    expect(res, JSON.stringify(data.slice(0, 80))).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    if (code) expect(res).toContain(`x-switchyard-error: ${code}`);
    expect(a.seen.length).toBe(before);
    return res;
  }

  it('HTTP/0.9 and HTTP/2.0 request lines get 400, never forwarded', async () => {
    await refused(r.port, 'GET /x\r\n\r\n', 400, 'SY_ERR_BAD_VERSION');
    await refused(r.port, 'GET /x HTTP/0.9\r\nHost: a\r\n\r\n', 400, 'SY_ERR_BAD_VERSION');
    await refused(r.port, 'GET /x HTTP/2.0\r\nHost: a\r\n\r\n', 400, 'SY_ERR_BAD_VERSION');
    await refused(r.port, 'GET /x HTTP/1.2\r\nHost: a\r\n\r\n', 400);
  });

  it('a missing Host on 1.1, a duplicate Host and invalid Host values get 400, never forwarded', async () => {
    await refused(r.port, 'GET /x HTTP/1.1\r\n\r\n', 400);
    await refused(r.port, 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'SY_ERR_BAD_HOST');
    await refused(r.port, 'GET /x HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n', 400, 'SY_ERR_BAD_HOST');
    for (const h of ['a b', 'a/b', 'evil@a', 'a:99999', '', '[::1', 'a:80:80']) {
      await refused(r.port, `GET /x HTTP/1.1\r\nHost: ${h}\r\n\r\n`, 400, 'SY_ERR_BAD_HOST');
    }
    // 1.0 without Host is still served
    expect(await rawExchange(r.port, 'GET /x HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('Connection listing Host gets 400, never forwarded', async () => {
    await refused(r.port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: host\r\n\r\n', 400, 'SY_ERR_BAD_REQUEST');
    await refused(r.port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Host\r\n\r\n', 400, 'SY_ERR_BAD_REQUEST');
  });

  it('more than maxHeaderCount (default 100) fields get 431; 100 are forwarded', async () => {
    const ok = await rawExchange(r.port, `GET /x HTTP/1.1\r\nHost: a\r\n${fields(98)}Connection: close\r\n\r\n`);
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    await refused(r.port, `GET /x HTTP/1.1\r\nHost: a\r\n${fields(101)}\r\n`, 431, 'SY_ERR_TOO_MANY_HEADERS');
    // a Transfer-Encoding past node's own limit (~1000) no longer loses the body silently
    await refused(r.port, `POST /x HTTP/1.1\r\nHost: a\r\n${fields(1500)}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 431);
  });

  it('listen.limits.maxHeaderCount is the listener\'s limit', async () => {
    expect(await rawExchange(small.port, `GET /x HTTP/1.1\r\nHost: a\r\n${fields(3)}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    await refused(small.port, `GET /x HTTP/1.1\r\nHost: a\r\n${fields(5)}\r\n`, 431, 'SY_ERR_TOO_MANY_HEADERS');
  });

  it('the same checks refuse an Upgrade request before it is tunnelled', async () => {
    const up = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    await refused(r.port, `GET /ws HTTP/1.1\r\nHost: a\r\nHost: b\r\n${up}\r\n`, 400);
    await refused(small.port, `GET /ws HTTP/1.1\r\nHost: a\r\n${fields(1)}${up}\r\n`, 431);
  });

  const spoof = 'X-Real-IP: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.7\r\nX_Forwarded_For: 6.6.6.8\r\nX-Real_IP: 6.6.6.9\r\nmy_header: 1\r\nX-Keep: 1\r\n';

  it('an untrusted peer\'s X-Real-IP, True-Client-IP and names with _ are not forwarded', async () => {
    const res = await rawExchange(r.port, `GET /x HTTP/1.1\r\nHost: a\r\n${spoof}Connection: close\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
    const got = received(res);
    expect(got).toEqual(['host: a', 'X-Keep: 1', 'x-forwarded-for: 127.0.0.1', 'x-forwarded-proto: http', 'x-forwarded-host: a']);
  });

  it('a trusted peer\'s X-Real-IP and True-Client-IP are kept; names with _ are still dropped', async () => {
    const res = await rawExchange(trusted.port, `GET /x HTTP/1.1\r\nHost: a\r\n${spoof}Connection: close\r\n\r\n`);
    const got = received(res);
    expect(got).toEqual([
      'host: a', 'X-Real-IP: 6.6.6.6', 'True-Client-IP: 6.6.6.7', 'X-Keep: 1',
      'x-forwarded-for: 127.0.0.1', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
  });

  it('allowUnderscoreHeaders forwards names with _ but not untrusted x_forwarded_for-style ones', async () => {
    const res = await rawExchange(under.port, `GET /x HTTP/1.1\r\nHost: a\r\n${spoof}Connection: close\r\n\r\n`);
    const got = received(res);
    expect(got).toEqual(['host: a', 'my_header: 1', 'X-Keep: 1', 'x-forwarded-for: 127.0.0.1', 'x-forwarded-proto: http', 'x-forwarded-host: a']);
  });
});
