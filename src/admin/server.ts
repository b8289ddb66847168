// The admin server: REST API, server-sent events, /metrics and the dashboard (public/), on
// loopback by default. See docs/admin.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { SwitchyardError } from '../errors.js';
import type { Router } from '../router.js';
import { checkBind } from './auth.js';
import { errorAnswer, errorBody, type Thrown } from './errors.js';
import { decide, policyFor } from './guard.js';
import { createMetrics, type Metrics } from './metrics.js';
import { registerRoutes } from './routes.js';
import { EventStream } from './sse.js';
import { Stats } from './stats.js';

export interface AdminOptions {
  host?: string;
  port?: number;
  /** When set, every route but the public ones needs `Authorization: Bearer <token>` (guard.ts). */
  token?: string | undefined;
  /** Host names accepted besides loopback (config `admin.allowedHosts`; lower case, no port). */
  allowedHosts?: readonly string[];
  /** Stats tick period (default 1000 ms). */
  tickMs?: number;
}

export interface Admin {
  app: FastifyInstance;
  stats: Stats;
  events: EventStream;
  metrics: Metrics;
  /** `http://host:port` once listening. */
  url: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** public/ sits at the package root, two levels above both src/admin and dist/admin. */
export const PUBLIC_DIR = join(here, '..', '..', 'public');
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On the public allow-list: served without the token (guard.ts). */
    public?: boolean;
  }
}

/** Dashboard files, uPlot and GET /ping: the only routes served without the token. */
async function publicRoutes(app: FastifyInstance): Promise<void> {
  // every route registered in this scope (fastify-static's included) is marked public
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
  app.get('/ping', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('ok'));
  // wildcard: false registers one route per file, so an unknown path is no route at all (404 or 401)
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'], wildcard: false, cacheControl: false });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR, prefix: '/vendor/uplot/', wildcard: false, decorateReply: false,
    allowedPath: (p) => /^\/?uPlot\.(esm\.js|min\.css|iife\.min\.js)$/.test(p),
  });
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Build the admin app without listening (tests use `app.inject`). */
export async function buildAdmin(router: Router, opts: AdminOptions = {}): Promise<Admin> {
  const policy = policyFor(opts.token, opts.host ?? '127.0.0.1', opts.allowedHosts ?? []);
  // strict inputs: unknown keys and wrongly typed values are refused (400), never stripped or coerced
  const app = Fastify({
    logger: false, forceCloseConnections: true, bodyLimit: 1 << 20,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  const stats = new Stats(router);
  const events = new EventStream(router);
  const metrics = createMetrics(router, stats);

  // decided on the route fastify matched (after it decoded the path), never on the raw URL
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers;
    const refusal = decide(policy, {
      method: req.method, target: req.raw.url ?? '', host: h.host, origin: h.origin, fetchSite: one(h['sec-fetch-site']),
      contentType: h['content-type'], authorization: h.authorization, isPublic: req.routeOptions.config.public === true,
    });
    if (refusal === null) return;
    if (refusal.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="switchyard"');
    return reply.code(refusal.statusCode).send({ error: refusal.error, statusCode: refusal.statusCode, code: refusal.code, path: refusal.path });
  });
  // JSON is the only body; an empty one (a DELETE or a reload) parses to undefined
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    json(req, body as string, done);
  });

  // every failure answers { error, statusCode, code, path? } (errors.ts)
  app.setErrorHandler((err: Thrown, _req, reply) => {
    const { status, body } = errorAnswer(err);
    if (status >= 500) router.log.error({ err }, 'admin API error');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new SwitchyardError('SY_ERR_ADMIN_NO_ROUTE', `no such admin route: ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(e.status).send(errorBody(e));
  });

  registerRoutes(app, { router, stats, events, metrics, auth: policy.token !== undefined, version: packageVersion() });
  await app.register(publicRoutes);

  app.addHook('onClose', async () => {
    stats.stop();
    events.close();
  });
  stats.start(opts.tickMs ?? 1000);
  return {
    app, stats, events, metrics, url: '',
    close: async () => {
      events.close();
      await app.close();
    },
  };
}

/** Build and listen. Refuses a non-loopback address without a token. */
export async function startAdmin(router: Router, opts: AdminOptions = {}): Promise<Admin> {
  const host = opts.host ?? '127.0.0.1';
  checkBind(host, opts.token);
  const admin = await buildAdmin(router, opts);
  try {
    await admin.app.listen({ host, port: opts.port ?? 9090 });
  } catch (e) {
    await admin.close();
    throw new SwitchyardError('SY_ERR_LISTEN', `admin: cannot listen on ${host}:${opts.port ?? 9090}: ${(e as Error).message}`, 'admin.port');
  }
  const addr = admin.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 9090);
  admin.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return admin;
}
