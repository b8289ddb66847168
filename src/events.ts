// A typed event bus: backend state changes, reloads, ejections and stats ticks feed logs,
// the admin API's server-sent events and metrics from one place.
import { EventEmitter } from 'node:events';
import type { BackendStatus } from './schedulers/types.js';

export interface EventMap {
  /** `detectMs`: on a change to down by health checks or ejection, ms from the first failure seen. */
  'backend.state': { pool: string; backend: string; from: BackendStatus; to: BackendStatus; reason: string; detectMs?: number };
  'backend.ejected': { pool: string; backend: string; forMs: number; ejections: number; reason: string };
  'backend.slowstart': { pool: string; backend: string; phase: 'start' | 'done'; ms: number };
  'backend.added': { pool: string; backend: string; weight: number; reason: string };
  'backend.removed': { pool: string; backend: string; reason: string };
  'backend.weight': { pool: string; backend: string; from: number; to: number; reason: string };
  'config.reloaded': { file: string; changes: string[] };
  'config.rejected': { file: string; problems: { path: string; message: string }[] };
  'health.check': { pool: string; backend: string; ok: boolean; detail: string };
  'scheduler.reset': { pool: string; scheduler: string; reason: string };
  'stats.tick': { at: number; pools: Record<string, unknown> };
  /** 2xx answers outside `pools.<name>.expect` since the last such event (src/pools/misroute.ts); `learned`: learnMime took the path in. */
  'route.misroute': { pool: string; route: string; backend: string; count: number; contentType: string; path: string; expect: string[]; learned: boolean };
}

export type EventName = keyof EventMap;

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    this.emitter.emit(name, payload);
    this.emitter.emit('*', name, payload);
  }
  on<K extends EventName>(name: K, fn: (payload: EventMap[K]) => void): () => void {
    this.emitter.on(name, fn);
    return () => this.emitter.off(name, fn);
  }
  onAny(fn: <K extends EventName>(name: K, payload: EventMap[K]) => void): () => void {
    this.emitter.on('*', fn);
    return () => this.emitter.off('*', fn);
  }
}
