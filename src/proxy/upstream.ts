// Upstream connections: one undici Pool per backend origin, and the dispatch handler that streams
// a backend's response straight into the client response with back-pressure.
import { Pool, type Dispatcher } from 'undici';
import type { BackendState } from '../pools/backend.js';

export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  get(b: BackendState, connectTimeout: number): Pool {
    const key = `${b.url}|${connectTimeout}`;
    let p = this.pools.get(key);
    if (p === undefined) {
      p = new Pool(b.url, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: connectTimeout },
      });
      this.pools.set(key, p);
    }
    return p;
  }

  /** Close the pools of backends no longer in use (after a reload or a removal). */
  async retain(urls: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, p] of this.pools) {
      if (!urls.has(key.slice(0, key.indexOf('|')))) {
        this.pools.delete(key);
        closing.push(p.close().catch(() => undefined));
      }
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }

  async destroy(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** undici error codes that mean "no byte of response came back" (safe to retry elsewhere). */
export const CONNECT_FAILURES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

export type DispatchOptions = Dispatcher.DispatchOptions;
