// What the pools' shadow schedulers and misroute counters show in the stats tick, the pool JSON
// (schemas in src/admin/watch-schemas.ts) and /metrics (src/pools/shadow.ts, src/pools/misroute.ts).
import client from 'prom-client';
import type { EventBus } from '../events.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { MisroutesView } from '../pools/misroute.js';
import type { ShadowView } from '../pools/shadow.js';
import type { Router } from '../router.js';

export interface WatchFigures {
  shadow?: ShadowView;
  misroutes?: MisroutesView;
}

/** Once per stats tick per pool: flag misrouted routes, raise their events, and read the figures. */
export function watchTick(pool: PoolRuntime, now: number, events: EventBus): WatchFigures {
  pool.misroute?.tick(pool.name, now, events);
  return watchView(pool);
}

export function watchView(pool: PoolRuntime): WatchFigures {
  const out: WatchFigures = {};
  if (pool.shadow !== undefined) out.shadow = pool.shadow.view(pool.backends.filter((b) => !b.removing));
  if (pool.misroute !== undefined) out.misroutes = pool.misroute.view();
  return out;
}

/** The shadow and misroute series of /metrics, read at scrape time. */
export function registerWatchMetrics(registry: client.Registry, router: Router): void {
  const shadows = () => [...router.pools.values()].flatMap((p) => (p.shadow ? [{ p, v: p.shadow.view(p.backends) }] : []));
  new client.Counter({
    name: 'switchyard_shadow_decisions_total', help: 'Decisions of the pool\'s shadow scheduler, and those that agreed with the live one',
    labelNames: ['pool', 'shadow', 'result'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, v } of shadows()) {
        const s = p.shadow!;
        this.inc({ pool: p.name, shadow: v.scheduler, result: 'agree' }, s.agreements);
        this.inc({ pool: p.name, shadow: v.scheduler, result: 'differ' }, s.decisions - s.agreements);
      }
    },
  });
  new client.Gauge({
    name: 'switchyard_shadow_share', help: 'Share of the pool\'s decisions per backend, live and shadow',
    labelNames: ['pool', 'backend', 'decisions'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, v } of shadows()) {
        for (const b of v.backends) {
          this.set({ pool: p.name, backend: b.id, decisions: 'live' }, b.live);
          this.set({ pool: p.name, backend: b.id, decisions: 'shadow' }, b.shadow);
        }
      }
    },
  });
  new client.Gauge({
    name: 'switchyard_shadow_modelled_hit_ratio', help: 'Hit ratio an LRU of shadow.cacheBytes per backend would have had, under the live and the shadow decisions',
    labelNames: ['pool', 'scheduler', 'decisions'], registers: [registry],
    collect() {
      this.reset();
      for (const { p, v } of shadows()) {
        if (v.hitRatio.live !== null) this.set({ pool: p.name, scheduler: p.spec.scheduler, decisions: 'live' }, v.hitRatio.live);
        if (v.hitRatio.shadow !== null) this.set({ pool: p.name, scheduler: v.scheduler, decisions: 'shadow' }, v.hitRatio.shadow);
      }
    },
  });
  new client.Counter({
    name: 'switchyard_misroutes_total', help: '2xx answers whose Content-Type is outside the pool\'s expect globs, per route and backend',
    labelNames: ['route', 'pool', 'backend'], registers: [registry],
    collect() {
      this.reset();
      for (const p of router.pools.values()) for (const c of p.misroute?.counts() ?? []) this.inc({ route: c.route, pool: p.name, backend: c.backend }, c.count);
    },
  });
}
