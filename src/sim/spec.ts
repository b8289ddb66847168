// Which schedulers to simulate: `name` or `name:key=value:key=value` (e.g. `chbl:balanceFactor=2`),
// resolved against the real registry and validated by the scheduler's own parse().
import { getScheduler, schedulerNames } from '../schedulers/registry.js';
import type { Problem, SchedulerDef } from '../schedulers/types.js';

export interface SchedulerSpec {
  /** As written, e.g. `chbl:balanceFactor=2`; the label in tables. */
  label: string;
  def: SchedulerDef<unknown>;
  params: unknown;
}

function value(s: string): unknown {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s !== '' && Number.isFinite(Number(s))) return Number(s);
  return s;
}

export function parseSchedulerSpec(text: string): SchedulerSpec {
  const [name, ...pairs] = text.trim().split(':');
  const def = getScheduler(name ?? '');
  if (!def) throw new Error(`unknown scheduler ${JSON.stringify(name)}; registered: ${schedulerNames().join(', ')}`);
  const raw: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`bad scheduler parameter ${JSON.stringify(p)} in ${JSON.stringify(text)}: expected key=value`);
    raw[p.slice(0, eq)] = value(p.slice(eq + 1));
  }
  const unknown = Object.keys(raw).filter((k) => !def.params.includes(k));
  if (unknown.length > 0) throw new Error(`${def.name} has no parameter ${unknown.join(', ')}; it accepts: ${def.params.join(', ') || 'none'}`);
  const problems: Problem[] = [];
  const params = def.parse(raw, text, problems);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return { label: text.trim(), def, params };
}
