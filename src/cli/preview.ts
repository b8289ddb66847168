// `switchyard check -c FILE --against ADMIN_URL`: send the checked config to a running router's
// dry run (POST /api/reload?dryRun=1, src/admin/preview-routes.ts) and print what a reload to it
// would change. Nothing is applied.
import { toWire } from '../config/wire.js';
import { SwitchyardError } from '../errors.js';
import type { ReloadPreview } from '../runtime/preview.js';
import type { RouteBrief } from '../runtime/route-diff.js';
import { call, type AdmOptions } from './adm.js';

export interface DryRunAnswer {
  dryRun: true;
  ok: boolean;
  configVersion: number;
  problems: { path: string; message: string }[];
  preview: ReloadPreview | null;
}

export async function previewAgainst(raw: unknown, o: AdmOptions): Promise<DryRunAnswer> {
  const { data } = await call<DryRunAnswer>(o, 'POST', '/api/reload?dryRun=1', { config: toWire(raw) }, 60_000);
  if (!data.ok) {
    throw new SwitchyardError('SY_ERR_CONFIG_INVALID', `the router at ${o.admin} finds problems in this config:\n${data.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
  return data;
}

/** Moved keys printed per pool (the API gives up to 10). */
const TOP_SHOWN = 5;
const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const route = (r: RouteBrief): string => `${r.name} (#${r.position}) → ${r.pool ?? 'its own answer'}: ${r.match}`;

export function formatPreview(admin: string, a: DryRunAnswer): string {
  const p = a.preview!;
  const r = p.routes;
  const lines = [`Reload preview against ${admin} (running config v${a.configVersion}); nothing was applied.`, ''];
  lines.push(`Routes: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged`);
  for (const x of r.added) lines.push(`  + ${route(x)}`);
  for (const x of r.removed) lines.push(`  - ${route(x)}`);
  for (const c of r.changed) {
    const name = c.before.name === c.after.name ? c.after.name : `${c.before.name} → ${c.after.name}`;
    lines.push(`  ~ ${name} (#${c.before.position}${c.before.position === c.after.position ? '' : ` → #${c.after.position}`}): ${c.fields.join(', ')} changed; now → ${c.after.pool ?? 'its own answer'}: ${c.after.match}`);
  }
  lines.push('', 'Pools:');
  for (const q of p.pools) {
    const sched = q.scheduler.before === q.scheduler.after ? (q.scheduler.after ?? '') : `${q.scheduler.before ?? '-'} → ${q.scheduler.after ?? '-'}`;
    const state = q.change === 'changed' || q.change === 'unchanged' ? (q.scheduler.stateKept ? ', scheduler state kept' : ', scheduler rebuilt') : '';
    lines.push(`  ${q.pool}: ${q.change}${q.fields.length ? ` (${q.fields.join(', ')})` : ''}; ${sched}${state}`);
    const b = q.backends;
    if (b.added.length + b.removed.length + b.reweighted.length > 0) {
      const parts = [...b.added.map((id) => `+${id}`), ...b.removed.map((id) => `-${id}`), ...b.reweighted.map((w) => `${w.id} weight ${w.from}→${w.to}`)];
      lines.push(`    backends: ${parts.join('  ')}`);
    }
    const k = q.keys;
    if (k.sampled > 0 || k.unkeyed > 0) {
      lines.push(`    keys: ${k.moved} of ${k.sampled} recent requests would move (${pct(k.share)}); ${k.distinct} distinct keys${k.unkeyed ? `; ${k.unkeyed} not replayed (the new scheduler hashes a key the pool did not record)` : ''}`);
      for (const m of k.top.slice(0, TOP_SHOWN)) lines.push(`      ${m.key}  ${m.from ?? '(none)'} → ${m.to ?? '(none)'}  ×${m.requests}`);
    } else if (q.change !== 'added') lines.push('    keys: no recent requests to replay');
    if (q.pinned.entries > 0) {
      const by = q.pinned.byBackend.map((x) => `${x.backend}: ${x.entries}`).join(', ');
      lines.push(`    pinned: ${q.pinned.leaving} of ${q.pinned.entries} affinity entries would lose their backend${by ? ` (${by})` : ''}`);
    }
  }
  return lines.join('\n');
}
