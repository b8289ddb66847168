// Compiles the route list once per config into predicate checks; first match wins.
import picomatch from 'picomatch';
import type { Route } from '../config/normalized.js';
import type { HeaderMatch } from '../config/types.js';
import type { RequestFacts } from './facts.js';
import { compileActions, type CompiledActions } from '../pipeline/route-actions.js';

type Field = 'path' | 'mime' | 'headers' | 'method' | 'host' | 'query';

interface Check {
  field: Field;
  test(f: RequestFacts): boolean;
  describe: string;
}

export interface CompiledRoute {
  name: string;
  index: number;
  /** undefined for a route that answers itself (redirect, respond). */
  pool: string | undefined;
  /** Rewrite, answers, header edits, body limit (pipeline/route-actions.ts); undefined when none. */
  actions: CompiledActions | undefined;
  checks: readonly Check[];
  /** First path segments every request this route can match must start with; null when any path can. */
  firstSegments: readonly string[] | null;
  /** Human text of the whole match, e.g. `path ~ /cgi-bin/** and method = GET`. */
  describe: string;
}

export interface MatchStep {
  route: string;
  matched: boolean;
  /** The field that failed (when not matched). */
  failed?: Field;
  detail: string;
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * picomatch's own matcher, without its per-call result objects: for these options (no format,
 * no basename, posix) it is `input !== '' && (input === glob || regex.test(input))` per glob.
 */
function globMatcher(pats: readonly string[], nocase: boolean): (v: string) => boolean {
  const opts = { dot: true, nocase, strictBrackets: true };
  const res = pats.map((p) => picomatch.makeRe(p, opts));
  const globs = [...pats];
  const prefixes = pats.map((p) => literalPrefix(p, nocase));
  if (res.length === 1) {
    const re = res[0]!;
    const glob = globs[0]!;
    const prefix = prefixes[0]!;
    return (v) => v !== '' && (v === glob || (v.startsWith(prefix) && re.test(v)));
  }
  return (v) => {
    if (v === '') return false;
    for (let i = 0; i < res.length; i++) if (v === globs[i] || (v.startsWith(prefixes[i]!) && res[i]!.test(v))) return true;
    return false;
  };
}

/**
 * The literal start every match of an absolute, case-sensitive glob shares (`/api/**` → `/api`),
 * checked with startsWith before the regex; '' when there is none to rely on.
 */
function literalPrefix(glob: string, nocase: boolean): string {
  if (nocase || !glob.startsWith('/') || glob.includes('\\')) return '';
  const base = picomatch.scan(glob).base;
  return base.startsWith('/') && glob.startsWith(base) ? base : '';
}

/**
 * The first path segment of every glob's literal prefix (`/svc/**` and `/svc/*.json` → `svc`), or
 * null when some glob has none (`/**`, `/a*`, `{/a,/b}`): then the route is tried for any path.
 */
function firstSegments(globs: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const g of globs) {
    const prefix = literalPrefix(g, false);
    const seg = prefix.slice(1).split('/')[0]!;
    if (seg === '') return null;
    out.push(seg);
  }
  return out;
}

/** The first segment of a normalised path: `/svc/a/b` → `svc`. */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

function globCheck(field: Field, globs: string | string[], get: (f: RequestFacts) => string | undefined, nocase: boolean): Check {
  const pats = list(globs);
  const isMatch = globMatcher(pats, nocase);
  return {
    field,
    test: (f) => {
      const v = get(f);
      return v !== undefined && isMatch(v);
    },
    describe: `${field} ~ ${pats.join(' | ')}`,
  };
}

function headerTest(name: string, want: HeaderMatch): (f: RequestFacts) => boolean {
  if (want === true) return (f) => f.headers[name] !== undefined;
  if (want === false) return (f) => f.headers[name] === undefined;
  if (want instanceof RegExp) {
    const re = new RegExp(want.source, want.flags.replace(/[gy]/g, ''));
    return (f) => {
      const v = f.headers[name];
      return v !== undefined && re.test(Array.isArray(v) ? v.join(', ') : v);
    };
  }
  return (f) => {
    const v = f.headers[name];
    return v !== undefined && (Array.isArray(v) ? v.join(', ') : v) === want;
  };
}

function compileRoute(r: Route): CompiledRoute {
  const m = r.match;
  const checks: Check[] = [];
  if (m.method !== undefined) {
    const methods = new Set(list(m.method).map((x) => x.toUpperCase()));
    checks.push({ field: 'method', test: (f) => methods.has(f.method), describe: `method in ${[...methods].join('|')}` });
  }
  if (m.host !== undefined) checks.push(globCheck('host', m.host, (f) => f.host, true));
  if (m.path !== undefined) checks.push(globCheck('path', m.path, (f) => f.path, r.caseInsensitive));
  if (m.headers !== undefined) {
    for (const [k, want] of Object.entries(m.headers)) {
      const name = k.toLowerCase();
      const test = headerTest(name, want);
      checks.push({ field: 'headers', test, describe: `header ${name} ${want === true ? 'present' : want === false ? 'absent' : want instanceof RegExp ? '~ ' + String(want) : '= ' + JSON.stringify(want)}` });
    }
  }
  if (m.query !== undefined) {
    for (const [k, want] of Object.entries(m.query)) {
      const re = want instanceof RegExp ? new RegExp(want.source, want.flags.replace(/[gy]/g, '')) : undefined;
      checks.push({
        field: 'query',
        test: (f) => {
          if (f.search === '') return false;
          const vals = f.query.getAll(k);
          return re ? vals.some((v) => re.test(v)) : vals.includes(want as string);
        },
        describe: `query ${k} ${re ? '~ ' + String(re) : '= ' + JSON.stringify(want)}`,
      });
    }
  }
  // MIME last: it is the only lazily computed fact that may cost a lookup.
  if (m.mime !== undefined) checks.push(globCheck('mime', list(m.mime).map((x) => x.toLowerCase()), (f) => f.mime.type, true));
  return {
    name: r.name,
    index: r.index,
    pool: r.pool,
    actions: compileActions(r.actions),
    checks,
    firstSegments: m.path === undefined ? null : firstSegments(list(m.path)),
    describe: checks.length ? checks.map((c) => c.describe).join(' and ') : 'any request',
  };
}

export class Matcher {
  readonly routes: readonly CompiledRoute[];
  /** Per first path segment named by some route: the routes, in order, that a path there can match. */
  private readonly bySegment = new Map<string, readonly CompiledRoute[]>();
  /** The routes a path whose first segment no route names can match. */
  private readonly anySegment: readonly CompiledRoute[];
  /**
   * Some route matches its path without regard to case: the index is then keyed by the
   * upper-cased segment, the folding of the regex `i` flag that picomatch's `nocase` uses.
   */
  private readonly foldCase: boolean;

  constructor(routes: readonly Route[]) {
    this.routes = routes.map(compileRoute);
    this.foldCase = routes.some((r) => r.caseInsensitive && r.match.path !== undefined);
    this.anySegment = this.routes.filter((r) => r.firstSegments === null);
    const key = (seg: string) => (this.foldCase ? seg.toUpperCase() : seg);
    const segs = new Set(this.routes.flatMap((r) => (r.firstSegments ?? []).map(key)));
    for (const seg of segs) this.bySegment.set(seg, this.routes.filter((r) => r.firstSegments === null || r.firstSegments.some((s) => key(s) === seg)));
  }

  /** First route whose checks all hold; routes whose path globs cannot match this path's first segment are skipped. */
  match(f: RequestFacts): CompiledRoute | null {
    let rs = this.routes;
    if (this.bySegment.size !== 0) {
      const seg = firstSegment(f.path);
      rs = this.bySegment.get(this.foldCase ? seg.toUpperCase() : seg) ?? this.anySegment;
    }
    outer: for (let i = 0; i < rs.length; i++) {
      const cs = rs[i]!.checks;
      for (let j = 0; j < cs.length; j++) if (!cs[j]!.test(f)) continue outer;
      return rs[i]!;
    }
    return null;
  }

  /** Like match, with every route tried and why it did or did not hold. */
  explain(f: RequestFacts): { route: CompiledRoute | null; tried: MatchStep[] } {
    const tried: MatchStep[] = [];
    for (const r of this.routes) {
      const failed = r.checks.find((c) => !c.test(f));
      if (failed) tried.push({ route: r.name, matched: false, failed: failed.field, detail: `${failed.describe} does not hold` });
      else {
        tried.push({ route: r.name, matched: true, detail: r.describe });
        return { route: r, tried };
      }
    }
    return { route: null, tried };
  }
}
