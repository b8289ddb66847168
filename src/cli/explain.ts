// `switchyard explain`: one request's decision, in words.
import type { Explanation } from '../router.js';

export function formatExplanation(e: Explanation): string {
  const out: string[] = [`${e.method} ${e.path ?? '(invalid)'}`];
  if (e.mime) out.push(`  MIME type: ${e.mime.type ?? '(none)'} (from ${e.mime.source})`);
  for (const t of e.tried) out.push(`  route ${t.route}: ${t.matched ? 'MATCH — ' + t.detail : 'no — ' + t.detail}`);
  if (e.error) {
    if (e.route) out.push(`  → route "${e.route.name}" (#${e.route.index + 1})`);
    out.push(`  → ${e.status}: ${e.error}`);
    return out.join('\n');
  }
  if (e.route) out.push(`  → route "${e.route.name}" (#${e.route.index + 1})`);
  if (e.rewrite) out.push(`  → path rewritten: ${e.rewrite.from} → ${e.rewrite.to}`);
  for (const from of e.fallbackFrom ?? []) out.push(`  → pool "${from}" has no available backend: fallback`);
  if (e.answer) {
    out.push(`  → answered by the route: ${e.answer.status}${e.answer.location !== undefined ? ` Location: ${e.answer.location}` : ''}`);
    return out.join('\n');
  }
  if (e.pool) out.push(`  → pool "${e.pool.name}" (scheduler ${e.pool.scheduler}${e.pool.key !== undefined ? `, hash key ${e.pool.hashKey} = ${JSON.stringify(e.pool.key)}` : ''})`);
  if (e.backend) out.push(`  → backend ${e.backend.id} (${e.backend.state}, weight ${e.backend.weight}): ${e.reason}`);
  else out.push(`  → no backend: ${e.reason} (${e.status})`);
  return out.join('\n');
}
