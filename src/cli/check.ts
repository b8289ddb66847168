// `switchyard check`: validate a config and print its route table and pools.
import type { Config } from '../config/normalized.js';
import { Matcher } from '../match/compile.js';

export function describeConfig(config: Config): string {
  const lines: string[] = [];
  const listen = config.listen.map((l) => `${l.host}:${l.port}`).join(', ');
  lines.push(`listen ${listen}${config.admin ? `   admin ${config.admin.host}:${config.admin.port}${config.admin.token ? ' (token)' : ''}` : ''}`);
  lines.push('', 'Routes (first match wins):');
  const m = new Matcher(config.routes);
  const w = Math.max(4, ...m.routes.map((r) => r.name.length));
  for (const r of m.routes) lines.push(`  ${String(r.index + 1).padStart(2)}. ${r.name.padEnd(w)}  → ${r.pool.padEnd(10)} ${r.describe}`);
  lines.push('', 'Pools:');
  for (const p of Object.values(config.pools)) {
    const hk = p.hashKey.kind === 'header' || p.hashKey.kind === 'cookie' ? `${p.hashKey.kind}:${p.hashKey.name}` : p.hashKey.kind;
    const params = Object.entries(p.rawParams).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const aff = typeof p.affinity === 'string' ? p.affinity : `header:${p.affinity.header}`;
    lines.push(`  ${p.name}: scheduler ${p.scheduler}${params ? ' ' + params : ''}, hashKey ${hk}, affinity ${aff}${p.health ? `, health ${p.health.type} ${p.health.type === 'http' ? p.health.path : ''}` : ''}`);
    for (const b of p.backends) lines.push(`      ${b.url}  weight ${b.weight}`);
  }
  for (const t of config.tcp) lines.push(`  tcp ${t.name}: ${t.listen.host}:${t.listen.port} → pool ${t.pool}`);
  return lines.join('\n');
}
