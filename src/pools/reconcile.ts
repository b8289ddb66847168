// Reload: carry runtime state over to a new config. Pools and backends are keyed by stable ids
// (pool name, host:port): counters, health and slow start carry over. A reload applies what changed
// in the file since the last load; runtime changes (admin API) to what the file did not change are
// kept and listed in `kept` (docs/admin.md#runtime-changes-and-reloads): a runtime weight stays unless
// the file changed that backend's weight; drain/disable stay; backends added at runtime stay; backends
// removed at runtime stay removed unless the file newly lists them. Scheduler state stays when name
// and params match.
import type { Config } from '../config/normalized.js';
import type { EventBus } from '../events.js';
import { BackendState } from './backend.js';
import { PoolRuntime } from './pool.js';

export function reconcilePools(pools: Map<string, PoolRuntime>, next: Config, events: EventBus, now: number, kept: string[] = []): string[] {
  const changes: string[] = [];
  for (const [name, pool] of pools) {
    if (!(name in next.pools)) {
      for (const b of pool.backends) b.removing = true;
      pool.refresh(now, true);
      pools.delete(name);
      changes.push(`pool ${name} removed`);
    }
  }
  for (const spec of Object.values(next.pools)) {
    const old = pools.get(spec.name);
    if (!old) {
      pools.set(spec.name, new PoolRuntime(spec, now));
      changes.push(`pool ${spec.name} added`);
      continue;
    }
    const sameScheduler = old.spec.scheduler === spec.scheduler && JSON.stringify(old.spec.rawParams) === JSON.stringify(spec.rawParams);
    const byId = new Map(old.backends.filter((b) => !b.removing).map((b) => [b.id, b]));
    const before = new Map(old.spec.backends.map((b) => [b.id, b.weight]));
    const list: BackendState[] = [];
    for (const nb of spec.backends) {
      const existing = byId.get(nb.id);
      const fileWeight = before.get(nb.id);
      if (existing) {
        // the file decides the weight when it changed it (or newly lists the backend); else a runtime weight stays
        if (existing.configWeight !== nb.weight && fileWeight !== nb.weight) {
          events.emit('backend.weight', { pool: spec.name, backend: nb.id, from: existing.configWeight, to: nb.weight, reason: 'config reload' });
          existing.configWeight = nb.weight;
        } else if (existing.configWeight !== nb.weight) kept.push(`pool ${spec.name}: backend ${nb.id} weight ${existing.configWeight} (set at runtime; the file says ${nb.weight})`);
        if (existing.adminState !== 'active') kept.push(`pool ${spec.name}: backend ${nb.id} ${existing.adminState === 'drain' ? 'drained' : 'disabled'} (at runtime)`);
        existing.backup = nb.backup === true;
        list.push(existing);
        byId.delete(nb.id);
      } else if (fileWeight !== undefined) {
        kept.push(`pool ${spec.name}: backend ${nb.id} removed (at runtime; the file lists it)`);
      } else {
        const b = new BackendState(nb);
        if (spec.slowStart > 0) b.rampStart = now;
        list.push(b);
        events.emit('backend.added', { pool: spec.name, backend: nb.id, weight: nb.weight, reason: 'config reload' });
        changes.push(`pool ${spec.name}: backend ${nb.id} added`);
      }
    }
    for (const gone of byId.values()) {
      if (!before.has(gone.id)) {
        // added at runtime and not named by the file: stays
        kept.push(`pool ${spec.name}: backend ${gone.id} added (at runtime; not in the file)`);
        list.push(gone);
        continue;
      }
      gone.removing = true;
      if (gone.active > 0) list.push(gone); // finishes its in-flight work, then drops out
      events.emit('backend.removed', { pool: spec.name, backend: gone.id, reason: 'config reload' });
      changes.push(`pool ${spec.name}: backend ${gone.id} removed`);
    }
    // backends still finishing a removal keep doing so
    for (const b of old.backends) if (b.removing && b.active > 0 && !list.includes(b)) list.push(b);
    old.spec = spec;
    old.backends = list;
    if (!sameScheduler) {
      old.replaceScheduler(now);
      events.emit('scheduler.reset', { pool: spec.name, scheduler: spec.scheduler, reason: 'scheduler or its parameters changed' });
      changes.push(`pool ${spec.name}: scheduler now ${spec.scheduler}`);
    } else old.refresh(now, true);
  }
  return changes;
}
