// `pools.<name>.expect`: 2xx answers whose Content-Type falls outside the pool's MIME globs are
// misroutes (docs/routing.md "Misroutes"). The hot path only counts; the stats tick
// (src/admin/stats.ts) flags routes and raises the rate-limited `route.misroute` event.
import picomatch from 'picomatch';
import type { EventBus } from '../events.js';

/** Ms between two events for one route and backend. */
export const EVENT_EVERY_MS = 10_000;
/** A route stays flagged this long after its last misroute. */
export const FLAG_MS = 60_000;
const EVIDENCE = 20;

interface Cell {
  readonly route: string;
  readonly backend: string;
  count: number;
  /** Misroutes not yet reported by an event. */
  unreported: number;
  lastEvent: number;
  lastAt: number;
  lastType: string;
  lastPath: string;
}

/** A path learnMime learned into a class the pool does not serve. */
export interface Evidence {
  at: number;
  path: string;
  learned: string;
  expect: string[];
  route: string;
  backend: string;
}

export interface MisroutesView {
  expect: string[];
  total: number;
  /** Routes with a misroute in the last FLAG_MS. */
  flagged: string[];
  cells: { route: string; backend: string; count: number; lastType: string; lastPath: string; lastAt: number }[];
  evidence: Evidence[];
}

export class Misroutes {
  total = 0;
  flagged: string[] = [];
  private readonly matches: (type: string) => boolean;
  /** MIME type → inside the globs (a few distinct types per pool). */
  private readonly known = new Map<string, boolean>();
  private readonly cells = new Map<string, Cell>();
  private readonly evidence: Evidence[] = [];

  constructor(readonly expect: string[]) {
    this.matches = picomatch(expect);
  }

  /** One answer of the pool (hooked in src/proxy/exchange.ts onHeaders). */
  answer(status: number, contentType: string | undefined, route: string, backend: string, path: string, learning: boolean): void {
    if (contentType === undefined || status < 200 || status > 299) return;
    const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
    let ok = this.known.get(type);
    if (ok === undefined) {
      ok = this.matches(type);
      if (this.known.size < 256) this.known.set(type, ok);
    }
    if (ok) return;
    this.total++;
    const k = `${route}\u0000${backend}`;
    let c = this.cells.get(k);
    if (c === undefined) this.cells.set(k, (c = { route, backend, count: 0, unreported: 0, lastEvent: 0, lastAt: 0, lastType: '', lastPath: '' }));
    c.count++;
    c.unreported++;
    c.lastAt = Date.now();
    c.lastType = type;
    c.lastPath = path;
    if (learning) this.learnedWrong({ at: c.lastAt, path, learned: type, expect: this.expect, route, backend });
  }

  private learnedWrong(e: Evidence): void {
    const i = this.evidence.findIndex((x) => x.path === e.path);
    if (i !== -1) this.evidence.splice(i, 1);
    this.evidence.push(e);
    if (this.evidence.length > EVIDENCE) this.evidence.shift();
  }

  /** Once per stats tick: flag routes, raise at most one event per route and backend every EVENT_EVERY_MS. */
  tick(pool: string, now: number, events: EventBus): void {
    const flagged = new Set<string>();
    for (const c of this.cells.values()) {
      if (now - c.lastAt <= FLAG_MS) flagged.add(c.route);
      if (c.unreported === 0 || now - c.lastEvent < EVENT_EVERY_MS) continue;
      const learned = this.evidence.some((e) => e.path === c.lastPath && e.at === c.lastAt);
      events.emit('route.misroute', {
        pool, route: c.route, backend: c.backend, count: c.unreported, contentType: c.lastType, path: c.lastPath, expect: this.expect, learned,
      });
      c.unreported = 0;
      c.lastEvent = now;
    }
    this.flagged = [...flagged];
  }

  /** Misroutes per route and backend (for /metrics). */
  counts(): { route: string; backend: string; count: number }[] {
    return [...this.cells.values()].map((c) => ({ route: c.route, backend: c.backend, count: c.count }));
  }

  view(): MisroutesView {
    return {
      expect: this.expect,
      total: this.total,
      flagged: this.flagged,
      cells: [...this.cells.values()].map((c) => ({ route: c.route, backend: c.backend, count: c.count, lastType: c.lastType, lastPath: c.lastPath, lastAt: c.lastAt })),
      evidence: [...this.evidence],
    };
  }
}

/** The pool's tracker after a (re)configuration: kept while the globs are the same. */
export function syncMisroutes(cur: Misroutes | undefined, expect: string[] | undefined): Misroutes | undefined {
  if (expect === undefined) return undefined;
  return cur !== undefined && cur.expect.join('\n') === expect.join('\n') ? cur : new Misroutes(expect);
}
