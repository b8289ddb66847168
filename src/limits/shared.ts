// Shared rate limits (`rateLimit.shared`, docs/routing.md "Rate limits"): the decision stays local
// and synchronous (src/limits/rate.ts); every SYNC_MS the buckets asked for since the last sync are
// sent to one bucket per route and key in Redis (affinity.store), which refills at the route's
// rate, takes what every instance granted, and answers what is left; the local bucket is set to it.
// Between two syncs each instance decides alone, which bounds the error (docs/routing.md).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimits } from './limits.js';

export const SYNC_MS = 100;
const PREFIX = 'switchyard:rate:';

// KEYS[1]: the bucket; ARGV: tokens per ms, burst, tokens granted, ms to keep an idle bucket
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local perMs, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = tonumber(v[1]) or burst
local at = tonumber(v[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) * perMs) end
tokens = tokens - tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return tostring(tokens)`;

type WithScript = Redis & { rateTake(key: string, perMs: string, burst: string, spent: string, ttl: string): Promise<string> };

export class SharedRates {
  private readonly redis: WithScript;
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private downLogged = false;
  /** Syncs done and key updates sent (tests, docs). */
  readonly counters = { syncs: 0, keys: 0, errors: 0 };

  constructor(readonly url: string, private readonly rates: RateLimits, private readonly log: Logger, intervalMs = SYNC_MS) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000,
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
    }) as WithScript;
    this.redis.defineCommand('rateTake', { numberOfKeys: 1, lua: SCRIPT });
    this.redis.on('ready', () => (this.downLogged = false));
    this.redis.on('error', (e: Error) => {
      if (this.downLogged) return;
      this.downLogged = true;
      this.log.warn({ store: url, err: e.message }, 'rate-limit store unavailable: each instance limits alone');
    });
    this.timer = setInterval(() => void this.sync(), intervalMs);
    this.timer.unref();
  }

  /** One round: send each touched key's grants, set the local bucket to the shared one. */
  async sync(): Promise<void> {
    if (this.busy || this.redis.status !== 'ready') return;
    this.busy = true;
    try {
      const calls: Promise<void>[] = [];
      for (const [route, table] of this.rates.tables) {
        const s = table.spec;
        if (!s.shared) continue;
        const ttl = String(Math.ceil(s.burst / table.perMs) + 60_000);
        for (const [key, spent] of table.drainSpent()) {
          calls.push(this.redis.rateTake(`${PREFIX}${route}:${key}`, String(table.perMs), String(s.burst), String(spent), ttl)
            .then((left) => table.settle(key, Number(left), Date.now())));
        }
      }
      this.counters.keys += calls.length;
      await Promise.all(calls);
      this.counters.syncs++;
    } catch {
      this.counters.errors++;
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.redis.disconnect();
  }
}

/** The sharing a config asks for: kept, made, replaced or closed (at start and on each reload). */
export function reconcileShared(
  current: SharedRates | undefined, config: { affinity: { store: string }; routes: readonly { rateLimit?: { shared: boolean } | undefined }[] },
  rates: RateLimits, log: Logger,
): SharedRates | undefined {
  const store = config.affinity.store;
  const wanted = store.startsWith('redis') && config.routes.some((r) => r.rateLimit?.shared === true);
  if (wanted && current?.url === store) return current;
  void current?.close();
  return wanted ? new SharedRates(store, rates, log) : undefined;
}
