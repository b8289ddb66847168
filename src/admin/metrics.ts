// GET /metrics: Prometheus text. Values are read from counters at scrape time (collect), so the
// request path never touches prom-client.
import client from 'prom-client';
import type { Router } from '../router.js';
import { affinityFigures } from './affinity.js';
import { LATENCY_BUCKETS_MS, type Stats } from './stats.js';
import { registerWatchMetrics } from './watch.js';

const CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];
const STATES = ['active', 'drain', 'disabled', 'down'];

export interface Metrics {
  registry: client.Registry;
  render(): Promise<string>;
}

export function createMetrics(router: Router, stats: Stats): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'switchyard_' });
  const backends = () => [...router.pools.values()].flatMap((p) => p.backends.map((b) => ({ p, b })));

  new client.Counter({
    name: 'switchyard_requests_total', help: 'Finished requests by route, pool, backend and status class',
    labelNames: ['route', 'pool', 'backend', 'code'], registers: [registry],
    collect() {
      this.reset();
      for (const rc of stats.allRoutes()) {
        rc.classes.forEach((n, i) => {
          if (n > 0) this.inc({ route: rc.route, pool: rc.pool, backend: rc.backend, code: CLASSES[i]! }, n);
        });
      }
    },
  });
  new client.Counter({
    name: 'switchyard_rate_limited_total', help: 'Requests refused with 429 by a route rate limit',
    labelNames: ['route'], registers: [registry],
    collect() {
      this.reset();
      for (const [route, n] of router.rates.limited) this.inc({ route }, n);
    },
  });
  new client.Gauge({
    name: 'switchyard_active_requests', help: 'Requests in flight per backend',
    labelNames: ['pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) this.set({ pool: p.name, backend: b.id }, b.active + stats.peerBackend(p.name, b.id).active);
    },
  });
  new client.Gauge({
    name: 'switchyard_open_connections', help: 'Client connections open on the listeners',
    registers: [registry],
    async collect() {
      const counts = await Promise.all(router.servers.map((s) => new Promise<number>((r) => s.getConnections((e, n) => r(e ? 0 : n)))));
      this.set(counts.reduce((a, b) => a + b, 0));
    },
  });
  new client.Gauge({
    name: 'switchyard_backend_state', help: 'Backend state (1 for the current state): active, drain, disabled, down',
    labelNames: ['pool', 'backend', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) for (const s of STATES) this.set({ pool: p.name, backend: b.id, state: s }, b.state === s ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'switchyard_backend_up', help: 'Backend is healthy and not ejected (1) or down (0)',
    labelNames: ['pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) this.set({ pool: p.name, backend: b.id }, b.healthy && b.ejectedUntil === 0 ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'switchyard_backend_weight', help: 'Effective backend weight (0 when drained)',
    labelNames: ['pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) this.set({ pool: p.name, backend: b.id }, b.weight);
    },
  });
  new client.Counter({
    name: 'switchyard_backend_ejections_total', help: 'Passive ejections per backend',
    labelNames: ['pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) this.inc({ pool: p.name, backend: b.id }, b.ejections + stats.peerBackend(p.name, b.id).upstream.ejections);
    },
  });
  new client.Counter({
    name: 'switchyard_backend_cache_total', help: 'Backend answers by X-Cache result (hit, miss)',
    labelNames: ['pool', 'backend', 'result'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) {
        const t = stats.backendTotals(p.name, b.id);
        if (t.hits + t.misses === 0) continue;
        this.inc({ pool: p.name, backend: b.id, result: 'hit' }, t.hits);
        this.inc({ pool: p.name, backend: b.id, result: 'miss' }, t.misses);
      }
    },
  });
  new client.Gauge({
    name: 'switchyard_backend_distinct_keys', help: 'Distinct paths a backend has served (locality)',
    labelNames: ['pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, b } of backends()) this.set({ pool: p.name, backend: b.id }, stats.backendTotals(p.name, b.id).keys);
    },
  });
  new client.Gauge({
    name: 'switchyard_config_version', help: 'Config snapshot version (1 at start, +1 per applied reload)',
    registers: [registry],
    collect() {
      this.set(router.current.version);
    },
  });
  new client.Gauge({
    name: 'switchyard_affinity_entries', help: 'Affinity table entries by kind',
    labelNames: ['kind'], registers: [registry],
    collect() {
      this.reset();
      const a = affinityFigures(router);
      this.set({ kind: 'all' }, a.entries);
      for (const [k, n] of Object.entries(a.byKind)) this.set({ kind: k }, n);
    },
  });
  new client.Counter({
    name: 'switchyard_affinity_lookups_total', help: 'Affinity table look-ups by result (hit, miss), evictions and expirations',
    labelNames: ['result'], registers: [registry],
    collect() {
      this.reset();
      const a = affinityFigures(router);
      this.inc({ result: 'hit' }, a.hits);
      this.inc({ result: 'miss' }, a.misses);
      this.inc({ result: 'eviction' }, a.evictions);
      this.inc({ result: 'expiration' }, a.expirations);
    },
  });

  registerWatchMetrics(registry, router);

  return {
    registry,
    async render() {
      return (await registry.metrics()) + latencyHistogram(stats);
    },
  };
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** switchyard_request_duration_seconds, written from the per-route bucket counters. */
function latencyHistogram(stats: Stats): string {
  const name = 'switchyard_request_duration_seconds';
  const out = [`# HELP ${name} Request latency (first byte in to last byte out) by route, pool and backend`, `# TYPE ${name} histogram`];
  for (const rc of stats.allRoutes()) {
    const l = `route="${esc(rc.route)}",pool="${esc(rc.pool)}",backend="${esc(rc.backend)}"`;
    let cum = 0;
    LATENCY_BUCKETS_MS.forEach((ms, i) => {
      cum += rc.buckets[i]!;
      out.push(`${name}_bucket{${l},le="${ms / 1000}"} ${cum}`);
    });
    cum += rc.buckets[LATENCY_BUCKETS_MS.length]!;
    out.push(`${name}_bucket{${l},le="+Inf"} ${cum}`);
    out.push(`${name}_sum{${l}} ${rc.sum / 1000}`);
    out.push(`${name}_count{${l}} ${rc.count}`);
  }
  return out.join('\n') + '\n';
}
