// The library API (src/library.ts, src/listen/embed.ts): createRouter validates an in-memory
// config like a file; handler() serves requests of a server the application owns (node:http,
// fastify) through the node:http front's pipeline; validate() and the types are exported.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ConfigError, createRouter, validate, type Router } from '../../src/index.js';
import { echoBackend, rawExchange, rawRequest, startServer, type TestServer } from '../helpers.js';

const quiet = { logger: pino({ level: 'silent' }) };
const configFor = (url: string) => ({
  admin: false as const,
  pools: { web: { scheduler: 'rr' as const, backends: [url] } },
  routes: [{ name: 'api', match: { path: '/app/**' }, pool: 'web' as const }],
});

async function serve(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

describe('createRouter and validate', () => {
  it('createRouter names a bad key of the object, as check does for a file', () => {
    const bad = { ...configFor('http://127.0.0.1:9'), pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9'], wieght: 2 } } };
    let caught: unknown;
    try {
      createRouter(bad as never, quiet);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).toBe('SY_ERR_CONFIG_INVALID');
    expect(err.problems.map((p) => p.path)).toContain('pools.web.wieght');
    expect(err.message).toContain('pools.web.wieght');
  });

  it('validate returns the normalized config or every problem, never throwing', () => {
    const ok = validate(configFor('http://127.0.0.1:9'));
    expect(ok.problems).toEqual([]);
    expect(ok.config?.pools.web?.backends[0]?.url).toBe('http://127.0.0.1:9');
    const bad = validate({ pools: {}, routes: [{ match: {}, pool: 'nowhere' }], colour: 1 });
    expect(bad.config).toBeUndefined();
    expect(bad.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['(root).colour', 'routes[0].pool']));
  });
});

describe('handler() in a node:http server', () => {
  let backend: TestServer & { seen: import('node:http').IncomingMessage[] };
  let router: Router;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    backend = await echoBackend('b1');
    router = createRouter(configFor(backend.url), quiet);
    server = createServer(router.handler());
    port = await serve(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await router.close(1000);
    await backend.close();
  });

  it('routes, forwards the body and answers with the backend', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/app/x?q=1`, { method: 'POST', body: 'hello' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-backend')).toBe('b1');
    const seen = (await r.json()) as { url: string; body: string; headers: Record<string, string> };
    expect(seen.url).toBe('/app/x?q=1');
    expect(seen.body).toBe('hello');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('refuses like the node:http front: no route 404, a path trick 400, never forwarded', async () => {
    const before = backend.seen.length;
    const none = await fetch(`http://127.0.0.1:${port}/elsewhere`);
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('no route matches');
    const trick = await rawRequest(port, { method: 'GET', target: '/app/a%2F..%2F..%2Fetc' });
    expect(trick.status).toBe(400);
    expect(backend.seen.length).toBe(before);
  });

  it('answers pipelined requests in order, one at a time', async () => {
    const text = await rawExchange(port, 'GET /app/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /app/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const urls = [...text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/app/1', '/app/2']);
  });
});

describe('handler() in a fastify app', () => {
  it('takes the requests the app hands it (body unread), the app keeps its own routes', async () => {
    const backend = await echoBackend('f1');
    const router = createRouter(configFor(backend.url), quiet);
    const handler = router.handler();
    const app = fastify();
    app.get('/own', async () => ({ own: true }));
    // before fastify reads the body: the router streams it to the backend
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith('/app/')) return done();
      reply.hijack();
      handler(request.raw, reply.raw);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    try {
      const own = await fetch(`http://127.0.0.1:${port}/own`);
      expect(await own.json()).toEqual({ own: true });
      const big = 'x'.repeat(200_000);
      const r = await fetch(`http://127.0.0.1:${port}/app/upload`, { method: 'PUT', body: big, headers: { 'content-type': 'application/json' } });
      expect(r.headers.get('x-backend')).toBe('f1');
      const seen = (await r.json()) as { url: string; body: string };
      expect(seen.url).toBe('/app/upload');
      expect(seen.body.length).toBe(big.length);
    } finally {
      await app.close();
      await router.close(1000);
      await backend.close();
    }
  });
});

describe('upgradeHandler() on the same server', () => {
  it('tunnels a WebSocket once the backend answers 101; a non-upgrade route is still refused', async () => {
    const wsBackend = await startServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ server: wsBackend.server });
    wss.on('connection', (sock) => sock.on('message', (m) => sock.send(`echo ${m.toString()}`)));
    const router = createRouter({
      admin: false, pools: { ws: { scheduler: 'rr', backends: [wsBackend.url] } }, routes: [{ name: 'ws', match: { path: '/ws' }, pool: 'ws' }],
    }, quiet);
    const server = createServer(router.handler());
    server.on('upgrade', router.upgradeHandler(server));
    const port = await serve(server);
    try {
      const reply = await new Promise<string>((done, fail) => {
        const c = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        c.on('open', () => c.send('hi'));
        c.on('message', (m) => {
          done(m.toString());
          c.close();
        });
        c.on('error', fail);
      });
      expect(reply).toBe('echo hi');
      const refused = await rawExchange(port, 'GET /other HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      expect(refused).toMatch(/^HTTP\/1\.1 404 /);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.close(1000);
      wss.close();
      await wsBackend.close();
    }
  });
});

describe('the public types', () => {
  it('name no `any` in the declarations index.d.ts reaches', () => {
    const dist = resolve(import.meta.dirname, '../../dist');
    const seen = new Set<string>();
    const bad: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      if (/[:<,(|&]\s*any\b|\bany\[\]/.test(code)) bad.push(file);
      for (const m of code.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g)) walk(join(dirname(file), `${m[1]}.d.ts`));
    };
    walk(join(dist, 'index.d.ts'));
    expect(seen.size).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });
});
