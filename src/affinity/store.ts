// The shared pin store (`affinity.store: 'redis://…'`): persistence templates and the cookie key in
// Redis, so several Switchyard processes pin a client the same way. The local table stays
// authoritative; this is write-through and read-on-miss. While Redis is away every call is a
// no-op (no queueing), the router serves from its local table, and the outage is logged once.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type StoreStatus = 'connected' | 'disconnected';

const PREFIX = 'switchyard:affinity:';
const SECRET_KEY = `${PREFIX}cookie-key`;

export class RedisStore {
  private readonly redis: Redis;
  private up = false;
  private wasUp = false;
  private downLogged = false;
  private closed = false;
  /** Reads and writes done, and those skipped or failed while Redis was away. */
  readonly counters = { gets: 0, sets: 0, skipped: 0, errors: 0 };

  constructor(
    readonly url: string,
    private readonly log: Logger,
    private readonly onSecret: (secret: string) => void,
    private readonly localSecret: string,
  ) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      retryStrategy: (times: number) => (this.closed ? null : Math.min(100 * times, 1000)),
    });
    this.redis.on('ready', () => {
      this.up = true;
      this.downLogged = false;
      this.log.info({ store: url }, this.wasUp ? 'affinity store back: resuming write-through' : 'affinity store connected');
      this.wasUp = true;
      void this.shareSecret();
    });
    const down = (err?: Error) => {
      this.up = false;
      if (this.closed || this.downLogged) return;
      this.downLogged = true;
      this.log.warn({ store: url, err: err?.message }, 'affinity store unavailable: serving from the local table');
    };
    this.redis.on('error', (e: Error) => down(e));
    this.redis.on('close', () => down());
  }

  status(): StoreStatus {
    return this.up ? 'connected' : 'disconnected';
  }

  get ready(): boolean {
    return this.up;
  }

  static key(pool: string, kind: string, client: string): string {
    return `${PREFIX}${pool}:${kind}:${client}`;
  }

  /** A stored pin: `backendId@writtenAtMs` (a bare id reads as written at 0). */
  static parse(v: string): { backend: string; at: number } | undefined {
    const i = v.lastIndexOf('@');
    if (i === -1) return v === '' ? undefined : { backend: v, at: 0 };
    const at = Number(v.slice(i + 1));
    return i === 0 ? undefined : { backend: v.slice(0, i), at: Number.isFinite(at) ? at : 0 };
  }

  /** One GET, given up after timeoutMs; undefined on a miss, a timeout or while Redis is away. */
  async get(key: string, timeoutMs: number): Promise<string | undefined> {
    if (!this.up) {
      this.counters.skipped++;
      return undefined;
    }
    this.counters.gets++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const v = await Promise.race([
        this.redis.get(key),
        new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs))),
      ]);
      return v ?? undefined;
    } catch {
      this.counters.errors++;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Write-through, fire and forget. */
  set(key: string, backend: string, ttlMs: number, now = Date.now()): void {
    if (!this.up) {
      this.counters.skipped++;
      return;
    }
    this.counters.sets++;
    this.redis.set(key, `${backend}@${now}`, 'PX', Math.max(1, Math.round(ttlMs))).catch(() => this.counters.errors++);
  }

  del(key: string): void {
    if (this.up) this.redis.del(key).catch(() => this.counters.errors++);
  }

  /** The first instance's cookie key wins; everyone signs with it. */
  private async shareSecret(): Promise<void> {
    try {
      await this.redis.set(SECRET_KEY, this.localSecret, 'NX');
      const s = await this.redis.get(SECRET_KEY);
      if (s) this.onSecret(s);
    } catch {
      this.counters.errors++;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.up = false;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
