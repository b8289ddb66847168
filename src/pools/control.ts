// Runtime changes to pools, as the admin API, `switchyard adm` and health checks make them:
// add, remove (drain first), re-weight, drain, disable, enable. Every change is an event.
// Failures are SwitchyardErrors (src/errors.ts) whose path names the admin API input at fault.
import { SwitchyardError } from '../errors.js';
import type { EventBus } from '../events.js';
import { validate } from '../config/validate.js';
import { BackendState, type AdminState } from './backend.js';
import type { PoolRuntime } from './pool.js';

export class PoolControl {
  /**
   * Sessions pinned to a backend (the affinity core sets this): `remove` waits for them to end,
   * as for in-flight requests, up to its deadline.
   */
  pinned: (pool: string, backend: string) => number = () => 0;

  constructor(
    private readonly pools: Map<string, PoolRuntime>,
    private readonly events: EventBus,
  ) {}

  pool(name: string): PoolRuntime {
    const p = this.pools.get(name);
    if (!p) throw new SwitchyardError('SY_ERR_POOL_UNKNOWN', `no pool named ${JSON.stringify(name)}`, 'params.pool');
    return p;
  }

  backend(poolName: string, id: string): BackendState {
    const p = this.pool(poolName);
    const b = p.backends.find((x) => x.id === id && !x.removing);
    if (!b) throw new SwitchyardError('SY_ERR_BACKEND_UNKNOWN', `pool ${poolName} has no backend ${JSON.stringify(id)}`, 'params.id');
    return b;
  }

  /** Append a backend; it takes new work at once (through slow start when the pool has one), a backup only while no primary does. */
  add(poolName: string, url: string, weight = 1, reason = 'added at runtime', backup = false): BackendState {
    const p = this.pool(poolName);
    const tcp = p.backends[0]?.protocol === 'tcp:' || url.startsWith('tcp:');
    const probe = validate({
      pools: { [poolName]: { scheduler: 'rr', backends: [{ url, weight, backup }] } },
      routes: tcp ? [] : [{ pool: poolName }],
      tcp: tcp ? [{ listen: { port: 0 }, pool: poolName }] : undefined,
    });
    if (!probe.config) {
      const path = probe.problems.every((x) => x.path.endsWith('.weight')) ? 'body.weight' : 'body.url';
      throw new SwitchyardError('SY_ERR_BACKEND_INVALID', probe.problems.map((x) => x.message).join('; '), path);
    }
    const nb = probe.config.pools[poolName]!.backends[0]!;
    if (p.backends.some((b) => b.id === nb.id && !b.removing)) throw new SwitchyardError('SY_ERR_BACKEND_EXISTS', `pool ${poolName} already has backend ${nb.id}`, 'body.url');
    const b = new BackendState(nb);
    const now = Date.now();
    if (p.spec.slowStart > 0) b.rampStart = now;
    p.backends = [...p.backends, b];
    p.refresh(now, true);
    this.events.emit('backend.added', { pool: poolName, backend: b.id, weight, reason: backup ? `${reason} (backup)` : reason });
    return b;
  }

  setWeight(poolName: string, id: string, weight: number, reason = 'weight set at runtime'): BackendState {
    if (!Number.isInteger(weight) || weight < 0 || weight > 65535) throw new SwitchyardError('SY_ERR_BACKEND_INVALID', `weight must be an integer 0..65535, got ${weight}`, 'body.weight');
    const b = this.backend(poolName, id);
    const from = b.configWeight;
    b.configWeight = weight;
    this.pool(poolName).refresh(Date.now(), true);
    this.events.emit('backend.weight', { pool: poolName, backend: id, from, to: weight, reason });
    return b;
  }

  setState(poolName: string, id: string, state: AdminState, reason = `set to ${state} at runtime`): BackendState {
    if (state !== 'active' && state !== 'drain' && state !== 'disabled') throw new SwitchyardError('SY_ERR_BACKEND_INVALID', `state must be active, drain or disabled, got ${JSON.stringify(state)}`, 'body.state');
    const b = this.backend(poolName, id);
    const from = b.state;
    b.adminState = state;
    if (state === 'active' && from !== 'active' && this.pool(poolName).spec.slowStart > 0) b.rampStart = Date.now();
    b.reason = reason;
    this.pool(poolName).refresh(Date.now(), true);
    if (from !== b.state) this.events.emit('backend.state', { pool: poolName, backend: id, from, to: b.state, reason });
    return b;
  }

  /**
   * Remove a backend: it takes no new work at once; it leaves the pool when its in-flight
   * requests are done or when `deadlineMs` passes. Resolves when it is gone.
   */
  async remove(poolName: string, id: string, deadlineMs = 30_000, reason = 'removed at runtime'): Promise<void> {
    const p = this.pool(poolName);
    const b = this.backend(poolName, id);
    const from = b.state;
    b.adminState = 'drain';
    p.refresh(Date.now(), true);
    this.events.emit('backend.state', { pool: poolName, backend: id, from, to: b.state, reason: `${reason}: draining` });
    const until = Date.now() + deadlineMs;
    while ((b.active > 0 || this.pinned(poolName, id) > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    b.removing = true;
    p.backends = p.backends.filter((x) => x !== b || x.active > 0);
    p.refresh(Date.now(), true);
    this.events.emit('backend.removed', { pool: poolName, backend: id, reason });
  }
}
