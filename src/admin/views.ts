// JSON views of the router's pools and backends for the admin API (shapes in schemas.ts).
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { Router } from '../router.js';
import type { BackendOut, PoolOut } from './schemas.js';
import type { Stats } from './stats.js';
import { watchView } from './watch.js';

export function backendView(router: Router, pool: PoolRuntime, b: BackendState, stats: Stats): BackendOut {
  const live = stats.latest?.pools[pool.name]?.backends[b.id];
  const tot = stats.backendTotals(pool.name, b.id);
  const h = router.health.status(pool.name, b.id);
  const peer = stats.peerBackend(pool.name, b.id); // cluster mode: the other workers' figures
  return {
    id: b.id,
    url: b.url,
    backup: b.backup,
    state: b.state,
    adminState: b.adminState,
    weight: b.weight,
    configWeight: b.configWeight,
    active: b.active + peer.active,
    requests: b.requests + peer.upstream.requests,
    errors: tot.errors,
    failures: b.failures + peer.upstream.failures,
    ejections: b.ejections + peer.upstream.ejections,
    healthy: b.healthy,
    keys: tot.keys,
    reason: b.reason,
    live: live
      ? { rps: live.rps, errorRate: live.errorRate, p50: live.p50, p99: live.p99, hitRatio: live.hitRatio, hitRatioTotal: live.hitRatioTotal }
      : null,
    health: h
      ? {
        checking: h.checking, lastCheck: h.lastCheck ?? null, okStreak: h.okStreak, failStreak: h.failStreak,
        consecutiveFailures: h.consecutiveFailures, ejectedUntil: h.ejectedUntil, ejections: h.ejections, slowStart: h.slowStart ?? null,
      }
      : null,
  };
}

export function poolView(router: Router, pool: PoolRuntime, stats: Stats): PoolOut {
  const s = pool.spec;
  const hk = s.hashKey.kind === 'header' || s.hashKey.kind === 'cookie' ? `${s.hashKey.kind}:${s.hashKey.name}` : s.hashKey.kind;
  return {
    name: pool.name,
    scheduler: s.scheduler,
    hashing: pool.def.hashing,
    hashKey: hk,
    affinity: typeof s.affinity === 'string' ? s.affinity : `header:${s.affinity.header}`,
    params: s.rawParams,
    inFlight: pool.inFlight + stats.peerPool(pool.name).active,
    serving: !pool.up ? 'none' : pool.backup?.serving ? 'backup' : 'primary',
    fallback: s.fallback ?? null,
    sorry: s.sorry ?? null,
    backends: pool.backends.filter((b) => !b.removing).map((b) => backendView(router, pool, b, stats)),
    ...watchView(pool),
  };
}
