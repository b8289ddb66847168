// Path policy end to end (src/match/normalize.ts through src/router.ts): each tricky spelling is
// either refused with 400 or reaches the pool its normalised path matches, and that backend
// receives exactly that path. Raw bytes over node:net, so no client rewrites the target.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';

interface Answer {
  status: number;
  backend?: string;
  url?: string;
}

/** One request with the target as given, `Connection: close`; the status and the echo, if any. */
function send(port: number, target: string, extra = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      if (status === 200) {
        const echo = JSON.parse(body) as { name: string; url: string };
        resolve({ status, backend: echo.name, url: echo.url });
      } else resolve({ status });
    });
    s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`, 'latin1');
  });
}

const A = (url: string): Answer => ({ status: 200, backend: 'A', url });
const B = (url: string): Answer => ({ status: 200, backend: 'B', url });
const REFUSED: Answer = { status: 400 };

let a: TestServer;
let b: TestServer;
const routers: TestRouter[] = [];

async function routerWith(listen: Record<string, unknown>, adminRoute: Record<string, unknown> = {}): Promise<TestRouter> {
  const r = await startRouter({
    listen: { host: '127.0.0.1', port: 0, ...listen },
    pools: { A: { scheduler: 'rr', backends: [a.url] }, B: { scheduler: 'rr', backends: [b.url] } },
    routes: [
      { name: 'admin', match: { path: '/admin/**' }, pool: 'A', ...adminRoute },
      { name: 'rest', match: {}, pool: 'B' },
    ],
  });
  routers.push(r);
  return r;
}

beforeAll(async () => {
  a = await echoBackend('A');
  b = await echoBackend('B');
});
afterAll(async () => {
  for (const r of routers) await r.close();
  await a.close();
  await b.close();
});

describe('path policy through a router (defaults)', () => {
  let r: TestRouter;
  beforeAll(async () => {
    r = await routerWith({});
  });
  it.each<[string, Answer]>([
    ['/admin/x', A('/admin/x')],
    ['//admin/x', A('/admin/x')],
    ['/admin//x', A('/admin/x')],
    ['//admin/x?q=%2F', A('/admin/x?q=%2F')],
    ['/public/../admin/x', A('/admin/x')],
    ['/public/%2e%2e/admin/x', A('/admin/x')],
    ['/public/%2E%2e/admin/x', A('/admin/x')],
    ['/../admin/x', A('/admin/x')],
    ['/./admin/./x/../y', A('/admin/y')],
    ['/%61dmin/x', A('/admin/x')],
    ['/public/..;/admin/x', REFUSED],
    ['/public/.;/admin/x', REFUSED],
    ['/public/%2e%2e;/admin/x', REFUSED],
    ['/public/..%3b/admin/x', REFUSED],
    ['/admin%2Fx', REFUSED],
    ['/admin%2fx', REFUSED],
    ['/public/..%2Fadmin/x', REFUSED],
    ['/public/..%5cadmin/x', REFUSED],
    ['/public/..%5Cadmin/x', REFUSED],
    ['/public/..\\admin/x', REFUSED],
    ['/admin\\x', REFUSED],
    ['/admin/x%00', REFUSED],
    ['/admin/x%0d%0a', REFUSED],
    ['/ADMIN/x', B('/ADMIN/x')],
    ['/Admin/x', B('/Admin/x')],
    ['/public/x;a=b', B('/public/x;a=b')],
    ['/public/caf%c3%a9', B('/public/caf%C3%A9')],
    ['http://127.0.0.1//admin/x', A('/admin/x')],
    ['http://127.0.0.1/public/..;/admin/x', REFUSED],
    ['http://127.0.0.1/public/..\\admin/x', REFUSED],
  ])('%s', async (target, want) => {
    expect(await send(r.port, target)).toEqual(want);
  });
  it('refuses a dot segment with parameters on an Upgrade request too', async () => {
    expect(await send(r.port, '/public/..;/admin/x', 'Upgrade: websocket\r\nConnection: Upgrade\r\n')).toEqual(REFUSED);
  });
});

describe('path policy through a router, listen.mergeSlashes: false', () => {
  let r: TestRouter;
  beforeAll(async () => {
    r = await routerWith({ mergeSlashes: false });
  });
  it.each<[string, Answer]>([
    ['//admin/x', B('//admin/x')],
    ['/admin//x', A('/admin//x')],
    ['/a//../admin/x', B('/a/admin/x')],
    ['/public/..;/admin/x', REFUSED],
    ['//admin%2fx', REFUSED],
  ])('%s', async (target, want) => {
    expect(await send(r.port, target)).toEqual(want);
  });
});

describe('path policy through a router, route caseInsensitive: true', () => {
  let r: TestRouter;
  beforeAll(async () => {
    r = await routerWith({}, { caseInsensitive: true });
  });
  it.each<[string, Answer]>([
    ['/ADMIN/x', A('/ADMIN/x')],
    ['/aDmIn/x/Y', A('/aDmIn/x/Y')],
    ['//Admin/x', A('/Admin/x')],
    ['/public/x', B('/public/x')],
  ])('%s', async (target, want) => {
    expect(await send(r.port, target)).toEqual(want);
  });
});
