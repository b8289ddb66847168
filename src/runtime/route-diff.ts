// Routes before and after a reload, for the reload preview (src/runtime/preview.ts). Routes pair up
// by name and content, then by content alone (renamed or moved), then by name alone (changed); the
// rest were added or removed. Content is every key of the route but its name and position.
import type { Route } from '../config/normalized.js';
import { Matcher } from '../match/compile.js';

export interface RouteBrief {
  name: string;
  /** 1-based position in the route list (first match wins). */
  position: number;
  /** The route's pool; null for a redirect or respond route (it answers itself). */
  pool: string | null;
  /** The match as `check` prints it (src/match/compile.ts). */
  match: string;
}

export interface RouteChange {
  before: RouteBrief;
  after: RouteBrief;
  /** What differs: 'name', 'position', or a route key ('match', 'pool', …). */
  fields: string[];
}

export interface RouteDiff {
  added: RouteBrief[];
  removed: RouteBrief[];
  changed: RouteChange[];
  unchanged: number;
}

/** JSON with RegExps as their source text and object keys sorted, so equal routes give equal text. */
export function stableText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof RegExp) return String(x);
    if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return x;
  }) ?? 'undefined';
}

interface Side {
  brief: RouteBrief;
  /** Each content key's text. */
  keys: Map<string, string>;
  content: string;
}

function sides(routes: readonly Route[]): Side[] {
  const m = new Matcher(routes);
  return routes.map((r, i) => {
    const keys = new Map<string, string>();
    for (const [k, v] of Object.entries(r)) if (k !== 'name' && k !== 'index' && v !== undefined) keys.set(k, stableText(v));
    const content = [...keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('\n');
    return { brief: { name: r.name, position: i + 1, pool: r.pool ?? null, match: m.routes[i]!.describe }, keys, content };
  });
}

function fieldsOf(a: Side, b: Side): string[] {
  const out: string[] = [];
  if (a.brief.name !== b.brief.name) out.push('name');
  if (a.brief.position !== b.brief.position) out.push('position');
  for (const k of new Set([...a.keys.keys(), ...b.keys.keys()])) if (a.keys.get(k) !== b.keys.get(k)) out.push(k);
  return out;
}

export function diffRoutes(before: readonly Route[], after: readonly Route[]): RouteDiff {
  const olds = sides(before);
  const news = sides(after);
  const pairs: [Side, Side][] = [];
  const pass = (same: (a: Side, b: Side) => boolean): void => {
    for (const b of news) {
      if (pairs.some(([, n]) => n === b)) continue;
      const a = olds.find((o) => !pairs.some(([p]) => p === o) && same(o, b));
      if (a) pairs.push([a, b]);
    }
  };
  pass((a, b) => a.brief.name === b.brief.name && a.content === b.content);
  pass((a, b) => a.content === b.content);
  pass((a, b) => a.brief.name === b.brief.name);
  const changed: RouteChange[] = [];
  let unchanged = 0;
  for (const [a, b] of pairs) {
    const fields = fieldsOf(a, b);
    if (fields.length === 0) unchanged++;
    else changed.push({ before: a.brief, after: b.brief, fields });
  }
  changed.sort((x, y) => x.after.position - y.after.position);
  return {
    added: news.filter((n) => !pairs.some(([, p]) => p === n)).map((s) => s.brief),
    removed: olds.filter((o) => !pairs.some(([p]) => p === o)).map((s) => s.brief),
    changed,
    unchanged,
  };
}
