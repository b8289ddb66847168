// The affinity step of a decision (IPVS persistence, docs/affinity.md#ipvs-persistence-semantics): a pin on a usable backend
// wins without running the scheduler — also a drained (weight 0) one; a missing, expired or
// unusable pin (backend down, removed, or avoided by a retry) runs the scheduler and re-pins.
// `peek` (explain) reads pins without creating, refreshing or counting them.
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { PickContext } from '../schedulers/types.js';
import { rendezvous } from './consistent.js';
import { CookieSigner } from './cookie.js';
import type { AffinityInput } from './core.js';
import type { PinKind } from './table.js';

export interface AffinityDecision {
  backend: BackendState | null;
  reason: string;
  pin?: { kind: PinKind; client: string; hit: boolean; created: boolean };
  /** A Set-Cookie value to send with the response ('cookie' affinity). */
  setCookie?: string;
}

export type Schedule = (pool: PoolRuntime, ctx: PickContext, peek: boolean) => { backend: BackendState | null; reason: string };

/** A pinned backend may take this client: in the pool, not down/disabled/removed, not avoided. */
function usable(pool: PoolRuntime, id: string, ctx: PickContext, expireQuiescent: boolean): BackendState | undefined {
  const b = pool.get(id);
  if (b === undefined || b.removing) return undefined;
  if (b.state !== 'active' && b.state !== 'drain') return undefined;
  if (expireQuiescent && b.weight === 0) return undefined;
  if (ctx.avoid !== undefined && ctx.avoid.has(id)) return undefined;
  // a client pinned to a backup goes back to the primaries once one serves (src/pools/backup.ts)
  if (b.backup && pool.backup !== undefined && !pool.backup.serving) return undefined;
  return b;
}

/** The scheduler's choice, or in cluster workers without a store a hash of the template's key. */
function firstChoice(pool: PoolRuntime, ctx: PickContext, peek: boolean, aff: AffinityInput, key: string | undefined, schedule: Schedule) {
  if (aff.core.consistent && key !== undefined) {
    const tier = pool.backup?.serving ? pool.backup.backends : pool.primaries;
    const b = rendezvous(tier, `${pool.name}\0${key}`, ctx.avoid);
    return { backend: b, reason: b ? 'consistent hash over eligible backends (cluster worker)' : 'no eligible backend' };
  }
  return schedule(pool, ctx, peek);
}

export function choose(pool: PoolRuntime, ctx: PickContext, peek: boolean, aff: AffinityInput, schedule: Schedule): AffinityDecision {
  if (pool.spec.affinity === 'cookie') return chooseCookie(pool, ctx, peek, aff, schedule);
  const core = aff.core;
  const k = core.pinKey(pool, ctx, aff);
  if (k === undefined) {
    const d = schedule(pool, ctx, peek);
    return { ...d, reason: !peek ? '' : `${d.reason} (no ${describe(pool)} key on this request: not pinned)` };
  }
  const t = core.table;
  const { kind, client } = k;
  const now = ctx.now;
  const eq = core.settings.expireQuiescentTemplate;
  const pinned = peek ? t.peek(pool.name, kind, client, now) : t.lookup(pool.name, kind, client, now);
  if (pinned !== undefined) {
    const b = usable(pool, pinned, ctx, eq);
    if (b !== undefined) {
      if (!peek) {
        if (kind === 'client' && aff.conn !== undefined) t.link(aff.conn.id, pool.name, kind, client);
        core.pushed(pool.name, kind, client, b.id, now, false);
      }
      return { backend: b, reason: !peek ? '' : `affinity ${kind} ${client} pinned to ${b.id}${b.state === 'drain' ? ' (drained: keeps its pinned clients)' : ''}`, pin: { kind, client, hit: true, created: false } };
    }
  }
  const d = firstChoice(pool, ctx, peek, aff, kind === 'connection' ? undefined : client, schedule);
  const why = pinned === undefined ? 'no pin' : `pinned backend ${pinned} unusable`;
  if (d.backend === null) return { backend: null, reason: !peek ? '' : `affinity ${kind} ${client}: ${why}; ${d.reason}` };
  if (!peek) {
    t.pin(pool.name, kind, client, d.backend.id, now, aff.conn?.id);
    core.pushed(pool.name, kind, client, d.backend.id, now, true);
  }
  return {
    backend: d.backend,
    reason: !peek ? '' : `affinity ${kind} ${client}: ${why}; ${d.reason}; ${peek ? 'would pin' : pinned === undefined ? 'pinned' : 're-pinned'}`,
    pin: { kind, client, hit: false, created: !peek },
  };
}

function chooseCookie(pool: PoolRuntime, ctx: PickContext, peek: boolean, aff: AffinityInput, schedule: Schedule): AffinityDecision {
  const core = aff.core;
  const t = core.table;
  const now = ctx.now;
  const maxAge = core.settings.timeout * 1000;
  const c = core.cookies.verify(pool.name, aff.token, now, maxAge);
  let pinned: string | undefined;
  if (c !== undefined) {
    for (const b of pool.backends) {
      if (core.cookies.tag(pool.name, b.id, t.generation(pool.name, b.id)) === c.tag) {
        pinned = b.id;
        break;
      }
    }
    const b = pinned === undefined ? undefined : usable(pool, pinned, ctx, core.settings.expireQuiescentTemplate);
    if (b !== undefined) {
      let setCookie: string | undefined;
      if (!peek) {
        if (t.lookup(pool.name, 'cookie', c.sid, now) !== b.id) t.pin(pool.name, 'cookie', c.sid, b.id, now);
        if (now - c.issued > maxAge / 2) setCookie = CookieSigner.header(CookieSigner.cookieName(pool.name), core.cookies.sign(pool.name, c.sid, c.tag, now));
      }
      return { backend: b, reason: !peek ? '' : `affinity cookie ${c.sid} pinned to ${b.id}${b.state === 'drain' ? ' (drained: keeps its pinned clients)' : ''}`, pin: { kind: 'cookie', client: c.sid, hit: true, created: false }, setCookie };
    }
  }
  const sid = c?.sid ?? (peek ? '(new)' : CookieSigner.newSid());
  const d = firstChoice(pool, ctx, peek, aff, undefined, schedule);
  const why = aff.token === undefined ? 'no cookie' : c === undefined ? 'cookie invalid or stale: ignored' : `pinned backend ${pinned ?? '(gone)'} unusable`;
  if (d.backend === null) return { backend: null, reason: !peek ? '' : `affinity cookie: ${why}; ${d.reason}` };
  let setCookie: string | undefined;
  if (!peek) {
    const b = d.backend;
    t.pin(pool.name, 'cookie', sid, b.id, now);
    const tag = core.cookies.tag(pool.name, b.id, t.generation(pool.name, b.id));
    setCookie = CookieSigner.header(CookieSigner.cookieName(pool.name), core.cookies.sign(pool.name, sid, tag, now));
  }
  return {
    backend: d.backend,
    reason: !peek ? '' : `affinity cookie: ${why}; ${d.reason}; ${peek ? 'would set a cookie' : 'cookie set'}`,
    pin: { kind: 'cookie', client: sid, hit: false, created: !peek },
    setCookie,
  };
}

function describe(pool: PoolRuntime): string {
  const m = pool.spec.affinity;
  return typeof m === 'object' ? `header ${m.header}` : m;
}
