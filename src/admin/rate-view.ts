// A route's rate limit as the admin API, the dashboard and /metrics show it (src/limits/limits.ts).
import { describeRate } from '../limits/rate.js';
import type { Router } from '../router.js';

/** The `rateLimit` and `rateLimited` fields of one route in GET /api/routes (absent without a limit). */
export function rateView(router: Router, index: number, name: string): { rateLimit?: string; rateLimited?: number } {
  const spec = router.current.config.routes[index]?.rateLimit;
  if (spec === undefined) return {};
  return { rateLimit: describeRate(spec), rateLimited: router.rates.limited.get(name) ?? 0 };
}
