// `switchyard adm routes`: the route table of a running instance (GET /api/routes), laid out like
// `switchyard check` prints it (src/cli/check.ts), with each rate limit's refusals since start.
import type { RouteOut } from '../admin/schemas.js';

export function formatRoutes(routes: readonly RouteOut[]): string {
  const w = Math.max(4, ...routes.map((r) => r.name.length));
  const aw = Math.max(10, ...routes.map((r) => r.action.length));
  const lines = ['Routes (first match wins):'];
  for (const r of routes) {
    lines.push(`  ${String(r.index + 1).padStart(2)}. ${r.name.padEnd(w)}  → ${r.action.padEnd(aw)}  ${r.match}`);
    const rate = r.rateLimit === undefined ? undefined : `rateLimit ${r.rateLimit}: ${r.rateLimited ?? 0} refused`;
    const details = [r.details, rate].filter(Boolean).join('; ');
    if (details) lines.push(`      ${' '.repeat(w)}    ${details}`);
  }
  return lines.join('\n');
}
