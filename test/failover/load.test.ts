// Failover under load, in the style of test/health/load.test.ts: a steady keep-alive GET load
// (1,800 requests over 9 s) while, in turn, every primary backend process is SIGKILLed (the
// backups take over), one primary is restarted (traffic returns to it), the pool is emptied (its
// fallback pool serves), and the fallback pool is emptied too (the sorry answer). Only requests
// in flight on a killed primary may fail; every answer after a change comes from the right place.
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/proxy/exchange.js';
import { childBackend, kill, recordEvents, sleep, startRouter, steadyLoad, switchBackend, type ChildBackend, type LoadRec } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const HEALTH = { path: '/healthz', interval: 300, timeout: 200, rise: 2, fall: 2 };
const SORRY = 'down for maintenance\n';

describe('failover under load', () => {
  it('backups take over from killed primaries, give back to a restarted one; then fallback pool, then sorry', { timeout: 40_000 }, async () => {
    let P1: ChildBackend = await childBackend('P1');
    const P2: ChildBackend = await childBackend('P2');
    const B1 = await switchBackend('B1');
    const B2 = await switchBackend('B2');
    const S = await switchBackend('S');
    cleanup.push(async () => { for (const b of [B1, B2, S]) await b.close(); await kill(P1); await kill(P2); });
    const id = (b: { port: number }) => `127.0.0.1:${b.port}`;
    // the children answer every path (health checks included) with 200
    const tr = await startRouter({
      pools: {
        web: {
          scheduler: 'rr', timeout: 2000, health: HEALTH, outlier: { consecutiveFailures: 3, baseEjectionTime: 2000 },
          backends: [P1.url, P2.url, { url: B1.url, backup: true }, { url: B2.url, backup: true }],
          fallback: 'spare', sorry: { status: 503, body: SORRY },
        },
        spare: { scheduler: 'rr', backends: [S.url] },
      },
      routes: [{ name: 'all', pool: 'web' }],
    });
    cleanup.push(() => tr.close());
    const router = tr.router;
    const ev = recordEvents(router.events);
    const access = new Map<string, AccessRecord & { began: number }>();
    router.requestObservers.push((a) => access.set(a.path, { ...a, began: Date.now() - a.ms }));

    const client = new Pool(tr.url, { connections: 32, pipelining: 1, keepAliveTimeout: 10_000 });
    cleanup.push(() => client.close());
    const N = 1800, SPACING = 5;
    const { T, recs, done: load } = steadyLoad(client, N, SPACING, (i) => `/r/${i}`);
    const at = (ms: number) => sleep(Math.max(0, T + ms - Date.now()));
    const marks: Record<string, number> = {};
    const mark = (k: string) => (marks[k] = Date.now() - T);

    // 1. SIGKILL every primary
    await at(1000);
    mark('kill');
    await Promise.all([kill(P1), kill(P2)]);
    // 2. restart P1 on its port: two passing checks bring it back. On a busy machine spawning it
    // can take a second or more, so the later steps wait for it (and start at most 2 s late)
    await at(2500);
    P1 = await childBackend('P1', P1.port);
    mark('restart');
    while (!ev.some((e) => e.name === 'backend.state' && e.payload.backend === id(P1) && e.payload.to === 'active') && Date.now() - T < 6000) await sleep(10);
    mark('up');
    const shift = Math.min(2000, Math.max(0, marks.up! + 1000 - 4500));
    // 3. empty the pool: P1 and both backups disabled (P2 stays dead)
    await at(4500 + shift);
    mark('empty');
    for (const b of [P1, B1, B2]) router.control.setState('web', id(b), 'disabled', 'test: empty the pool');
    // 4. empty the fallback pool too
    await at(6000 + shift);
    mark('sorry');
    router.control.setState('spare', id(S), 'disabled', 'test: empty the fallback pool');
    await load;

    if (process.env.SY_FAILOVER_DUMP) (await import('node:fs')).writeFileSync(process.env.SY_FAILOVER_DUMP, JSON.stringify({ marks, recs: recs.map((r) => ({ ...r, began: (access.get(r.path)?.began ?? 0) - T, rb: access.get(r.path)?.backend, pool: access.get(r.path)?.pool })), ev: ev.map((e) => ({ ...e, at: e.at - T })) }));
    expect(recs.length).toBe(N);
    const began = (r: LoadRec) => (access.get(r.path)?.began ?? Infinity) - T;
    const ok = (r: LoadRec) => r.err === undefined && r.status === 200;
    const evAt = (pred: (e: (typeof ev)[number]) => boolean) => {
      const e = ev.find(pred);
      return e ? e.at - T : undefined;
    };

    // before the kill: primaries only
    const beforeKill = recs.filter((r) => began(r) < marks.kill! && r.end < marks.kill!);
    expect(beforeKill.length).toBeGreaterThan(20);
    expect(beforeKill.every((r) => ok(r) && (r.backend === 'P1' || r.backend === 'P2'))).toBe(true);

    // every failure before the sorry step was in flight on a killed primary when it died
    const failed = recs.filter((r) => began(r) < marks.sorry! && !ok(r));
    for (const r of failed) {
      const a = access.get(r.path);
      expect({ backend: a?.backend, inFlight: began(r) <= marks.kill! + 1 && r.end >= marks.kill! })
        .toEqual({ backend: expect.stringMatching(new RegExp(`^(${id(P1)}|${id(P2)})$`)), inFlight: true });
    }

    // the backups served from the kill until P1 came back; none of that needed the fallback pool
    const p1Up = evAt((e) => e.name === 'backend.state' && e.payload.backend === id(P1) && e.payload.to === 'active' && e.at - T > marks.restart!);
    expect(p1Up).toBeDefined();
    const onBackups = recs.filter((r) => began(r) > marks.kill! + 1 && began(r) < marks.restart!);
    expect(onBackups.length).toBeGreaterThan(100);
    expect(onBackups.filter(ok).every((r) => r.backend === 'B1' || r.backend === 'B2')).toBe(true);
    expect(new Set(onBackups.map((r) => r.backend))).toEqual(new Set(['B1', 'B2']));
    expect(recs.filter((r) => began(r) < marks.empty!).some((r) => r.backend === 'S')).toBe(false);

    // traffic returns to P1 once it is up: every request the router began after that went to P1
    const returned = recs.filter((r) => began(r) > p1Up! + 1 && began(r) < marks.empty!);
    expect(returned.length).toBeGreaterThan(50);
    expect(returned.map((r) => r.backend).filter((b) => b !== 'P1')).toEqual([]);

    // the emptied pool: its fallback pool serves, and the log says so
    const fallen = recs.filter((r) => began(r) > marks.empty! + 1 && began(r) < marks.sorry!);
    expect(fallen.length).toBeGreaterThan(100);
    expect(fallen.filter((r) => !(ok(r) && r.backend === 'S'))).toEqual([]);
    expect(fallen.every((r) => access.get(r.path)!.fallbackFrom === 'web' && access.get(r.path)!.pool === 'spare')).toBe(true);

    // nothing left: the sorry answer, with Retry-After, and no request lost
    const sorry = recs.filter((r) => began(r) > marks.sorry! + 1);
    expect(sorry.length).toBeGreaterThan(100);
    expect(sorry.filter((r) => !(r.status === 503 && r.body === SORRY && r.err === undefined))).toEqual([]);
    expect(recs.filter((r) => r.err !== undefined && began(r) > marks.kill! + 1)).toEqual([]);

    const figures = {
      marks, total: recs.length, failedAtKill: failed.length, p1UpAfterRestart: p1Up! - marks.restart!,
      served: { backups: onBackups.length, returned: returned.length, fallback: fallen.length, sorry: sorry.length },
    };
    process.stdout.write(`failover load figures: ${JSON.stringify(figures)}\n`);
  });
});
