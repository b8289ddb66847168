// Reload: carry runtime state over to a new config. Pools and backends are keyed by stable ids
// (pool name, host:port): counters, health and slow start carry over; new backends are appended;
// removed ones finish their in-flight work first. Scheduler state stays when name and params match.
import type { Config } from '../config/normalized.js';
import type { EventBus } from '../events.js';
import { BackendState } from './backend.js';
import { PoolRuntime } from './pool.js';

export function reconcilePools(pools: Map<string, PoolRuntime>, next: Config, events: EventBus, now: number): string[] {
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
    const byId = new Map(old.backends.map((b) => [b.id, b]));
    const list: BackendState[] = [];
    for (const nb of spec.backends) {
      const existing = byId.get(nb.id);
      if (existing && !existing.removing) {
        if (existing.configWeight !== nb.weight) {
          events.emit('backend.weight', { pool: spec.name, backend: nb.id, from: existing.configWeight, to: nb.weight, reason: 'config reload' });
          existing.configWeight = nb.weight;
        }
        existing.backup = nb.backup === true;
        list.push(existing);
        byId.delete(nb.id);
      } else {
        const b = new BackendState(nb);
        if (spec.slowStart > 0) b.rampStart = now;
        list.push(b);
        events.emit('backend.added', { pool: spec.name, backend: nb.id, weight: nb.weight, reason: 'config reload' });
        changes.push(`pool ${spec.name}: backend ${nb.id} added`);
      }
    }
    for (const gone of byId.values()) {
      gone.removing = true;
      if (gone.active > 0) list.push(gone); // finishes its in-flight work, then drops out
      events.emit('backend.removed', { pool: spec.name, backend: gone.id, reason: 'config reload' });
      changes.push(`pool ${spec.name}: backend ${gone.id} removed`);
    }
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
