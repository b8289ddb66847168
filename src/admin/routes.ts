// The admin REST API's routes (docs/admin.md#admin-api); every input and output has a schema.
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { SwitchyardError } from '../errors.js';
import type { Router } from '../router.js';
import { affinityEntries, affinityFigures } from './affinity.js';
import { dryRun, refuseReloadBody, registerConfigRoute, wantsDryRun } from './preview-routes.js';
import { DryRunOut, DryRunQuery } from './preview-schema.js';
import type { Metrics } from './metrics.js';
import * as S from './schemas.js';
import type { EventStream } from './sse.js';
import type { Stats } from './stats.js';
import { backendView, poolView } from './views.js';
import { actionOf } from '../pipeline/route-actions.js';
import { rateView } from './rate-view.js';

export interface RouteDeps {
  router: Router;
  stats: Stats;
  events: EventStream;
  metrics: Metrics;
  auth: boolean;
  version: string;
}

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody };

export function registerRoutes(app: FastifyInstance, d: RouteDeps): void {
  const { router, stats } = d;
  const started = new Date();

  app.get('/api/status', { schema: { response: { 200: S.StatusOut, ...errors } } }, async () => {
    const pools = [...router.pools.values()];
    return {
      name: 'switchyard' as const,
      version: d.version,
      pid: process.pid,
      startedAt: started.toISOString(),
      uptime: Math.round((Date.now() - started.getTime()) / 1000),
      configVersion: router.current.version,
      configFile: router.file ?? null,
      listeners: router.servers.flatMap((s) => {
        const a = s.address();
        return a && typeof a === 'object' ? [`${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`] : [];
      }),
      pools: pools.length,
      backends: pools.reduce((n, p) => n + p.backends.length, 0),
      inFlight: pools.reduce((n, p) => n + p.inFlight, 0),
      auth: d.auth,
      worker: cluster.isWorker ? (cluster.worker?.id ?? null) : null,
    };
  });

  app.get('/api/pools', { schema: { response: { 200: Type.Array(S.PoolOut), ...errors } } }, async () =>
    [...router.pools.values()].map((p) => poolView(router, p, stats)),
  );

  app.get<{ Params: Static<typeof S.PoolParams> }>(
    '/api/pools/:pool',
    { schema: { params: S.PoolParams, response: { 200: S.PoolOut, ...errors } } },
    async (req) => poolView(router, router.control.pool(req.params.pool), stats),
  );

  app.post<{ Params: Static<typeof S.PoolParams>; Body: S.AddBackendBody }>(
    '/api/pools/:pool/backends',
    { schema: { params: S.PoolParams, body: S.AddBackendBody, response: { 201: S.BackendOut, ...errors } } },
    async (req, reply) => {
      const pool = router.control.pool(req.params.pool);
      const b = router.control.add(pool.name, req.body.url, req.body.weight ?? 1, 'added through the admin API', req.body.backup ?? false);
      return reply.code(201).send(backendView(router, pool, b, stats));
    },
  );

  app.patch<{ Params: Static<typeof S.BackendParams>; Body: S.PatchBackendBody }>(
    '/api/pools/:pool/backends/:id',
    { schema: { params: S.BackendParams, body: S.PatchBackendBody, response: { 200: S.BackendOut, ...errors } } },
    async (req) => {
      const { pool: poolName, id } = req.params;
      const pool = router.control.pool(poolName);
      let b = router.control.backend(poolName, id);
      if (req.body.weight !== undefined) b = router.control.setWeight(poolName, id, req.body.weight, `weight set to ${req.body.weight} through the admin API`);
      if (req.body.state !== undefined) b = router.control.setState(poolName, id, req.body.state, `${req.body.state === 'active' ? 'enabled' : req.body.state === 'drain' ? 'drained' : 'disabled'} through the admin API`);
      return backendView(router, pool, b, stats);
    },
  );

  app.delete<{ Params: Static<typeof S.BackendParams>; Querystring: { wait?: string } }>(
    '/api/pools/:pool/backends/:id',
    {
      schema: {
        params: S.BackendParams,
        querystring: Type.Object({ wait: Type.Optional(S.Digits) }, { additionalProperties: false }),
        response: { 200: Type.Object({ removed: Type.String(), pool: Type.String() }), ...errors },
      },
    },
    async (req) => {
      const { pool, id } = req.params;
      router.control.backend(pool, id); // 404 before anything changes
      await router.control.remove(pool, id, Math.min(600_000, Number(req.query.wait ?? 30_000)), 'removed through the admin API');
      return { removed: id, pool };
    },
  );

  app.get('/api/certificates', { schema: { response: { 200: Type.Array(S.CertificateOut), ...errors } } }, async () => {
    const now = Date.now();
    return router.certificates().map((c) => ({ ...c, expired: Date.parse(c.notAfter) <= now }));
  });

  app.get('/api/routes', { schema: { response: { 200: Type.Array(S.RouteOut), ...errors } } }, async () =>
    router.current.matcher.routes.map((r) => ({
      index: r.index, name: r.name, ...(r.pool !== undefined ? { pool: r.pool } : {}), match: r.describe,
      action: actionOf(r.pool, r.actions), ...(r.actions?.describe ? { details: r.actions.describe } : {}), ...rateView(router, r.index, r.name),
    })),
  );

  app.post<{ Body: S.ExplainBody }>(
    '/api/explain',
    { schema: { body: S.ExplainBody, response: { 200: S.ExplainOut, ...errors } } },
    async (req) => router.explain(req.body),
  );

  app.get<{ Querystring: Static<typeof S.AffinityQuery> }>(
    '/api/affinity',
    { schema: { querystring: S.AffinityQuery, response: { 200: S.AffinityOut, ...errors } } },
    async (req) => ({ ...affinityFigures(router), list: affinityEntries(router, Math.min(100_000, Number(req.query.limit ?? 100)), req.query.pool) }),
  );

  app.post<{ Querystring: Static<typeof DryRunQuery>; Body: unknown }>('/api/reload', {
    bodyLimit: 8 << 20,
    schema: { querystring: DryRunQuery, response: { 200: Type.Union([DryRunOut, S.ReloadOut]), 400: S.ErrorBody, 409: S.ErrorBody, 422: Type.Union([DryRunOut, S.ReloadOut]), 401: S.ErrorBody } },
  }, async (req, reply) => {
    if (wantsDryRun(req.query)) {
      const d = await dryRun(router, req.body);
      return reply.code(d.status).send(d.answer);
    }
    refuseReloadBody(req.body);
    if (!router.file) throw new SwitchyardError('SY_ERR_RELOAD_NO_FILE', 'this router was not started from a config file; nothing to reload');
    const r = await router.reload();
    return reply.code(r.ok ? 200 : 422).send({ ok: r.ok, configVersion: router.current.version, changes: r.changes, kept: r.kept, problems: r.problems });
  });

  registerConfigRoute(app, router);

  app.get('/api/stats', async () => ({ latest: stats.latest ?? null, history: stats.history, workers: stats.workers() }));

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    d.events.attach(req.raw, reply.raw);
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await d.metrics.render();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
}
