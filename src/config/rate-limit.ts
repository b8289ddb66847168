// Normalising a route's `rateLimit` and the top-level `requestId` (schema in src/config/schema.ts).
import type { Static } from '@sinclair/typebox';
import type { RateSpec } from '../limits/rate.js';
import type { RateLimitSchema, RequestIdSchema } from './schema.js';

type RateIn = Partial<Static<typeof RateLimitSchema>> | undefined;

export function rateSpec(r: RateIn, store: string, at: string, err: (path: string, message: string) => void): RateSpec | undefined {
  if (r === undefined || typeof r.rate !== 'number') return undefined;
  const shared = r.shared === true;
  if (shared && !store.startsWith('redis')) err(`${at}.shared`, "needs affinity.store set to a redis:// URL (the buckets are shared through it)");
  const key = r.key ?? 'client';
  return {
    rate: r.rate,
    per: r.per ?? 'second',
    burst: r.burst ?? Math.max(1, Math.ceil(r.rate)),
    key: key.startsWith('header:') ? 'header:' + key.slice(7).toLowerCase() : key,
    shared,
  };
}

export function requestIdOf(r: Partial<Static<typeof RequestIdSchema>> | false | undefined): { header: string } | false {
  if (r === false) return false;
  return { header: (r?.header ?? 'x-request-id').toLowerCase() };
}
