// Backup backends through real sockets: they take no work while a primary serves, take all of it
// while no primary does (disabled, drained, down, ejected), hand it back when one returns, catch
// the retries of a request every primary refused, and show as such in the admin API and `adm`.
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/server.js';
import type { PoolOut } from '../../src/admin/schemas.js';
import { formatList } from '../../src/cli/adm.js';
import { validate } from '../../src/config/validate.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { nextEvent, refusedPort, startRouter, switchBackend, tcpEchoBackend, whoAnswers, type SwitchBackend, type TestRouter } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function backends(...names: string[]): Promise<SwitchBackend[]> {
  const out = await Promise.all(names.map((n) => switchBackend(n)));
  cleanup.push(async () => { for (const b of out) await b.close(); });
  return out;
}

async function router(raw: Record<string, unknown>): Promise<TestRouter> {
  const tr = await startRouter(raw);
  cleanup.push(() => tr.close());
  return tr;
}

/** n sequential GETs: the backend names that answered (x-backend), or the status when none did. */
async function who(url: string, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/p${i}`, { headers });
    await r.arrayBuffer();
    out.push(r.headers.get('x-backend') ?? String(r.status));
  }
  return out;
}
const set = (xs: string[]) => [...new Set(xs)].sort();
const id = (b: SwitchBackend) => `127.0.0.1:${b.port}`;

describe('backup backends', () => {
  it('take work only while no primary is available: disabled, drained to weight 0, then back', async () => {
    const [P1, P2, B1, B2] = await backends('P1', 'P2', 'B1', 'B2');
    const tr = await router({
      pools: { web: { scheduler: 'rr', backends: [P1!.url, { url: B1!.url, backup: true }, P2!.url, { url: B2!.url, backup: true }] } },
      routes: [{ pool: 'web' }],
    });
    expect(set(await who(tr.url, 12))).toEqual(['P1', 'P2']);
    const c = tr.router.control;
    c.setState('web', id(P1!), 'disabled');
    expect(set(await who(tr.url, 6))).toEqual(['P2']);
    c.setWeight('web', id(P2!), 0);
    // both backups share the work (the pool's scheduler, rr, over the backups)
    expect(set(await who(tr.url, 12))).toEqual(['B1', 'B2']);
    c.setWeight('web', id(P2!), 1);
    expect(set(await who(tr.url, 6))).toEqual(['P2']);
    c.setState('web', id(P2!), 'drain');
    expect(set(await who(tr.url, 6))).toEqual(['B1', 'B2']);
    c.setState('web', id(P1!), 'active');
    expect(set(await who(tr.url, 6))).toEqual(['P1']);
    expect(B1!.hits + B2!.hits).toBe(18);
  });

  it('take over when health checks take every primary down, and give it back when one recovers', async () => {
    const [P, B] = await backends('P', 'B');
    const tr = await router({
      pools: { web: { scheduler: 'wlc', health: { path: '/healthz', interval: 100, timeout: 80, rise: 1, fall: 1 }, backends: [P!.url, { url: B!.url, backup: true }] } },
      routes: [{ pool: 'web' }],
    });
    expect(set(await who(tr.url, 5))).toEqual(['P']);
    const down = nextEvent(tr.router.events, 'backend.state', (e) => e.backend === id(P!) && e.to === 'down');
    P!.healthOk = false;
    await down;
    expect(set(await who(tr.url, 5))).toEqual(['B']);
    expect(tr.router.explain({ method: 'GET', url: '/x' }).reason).toMatch(/among the backups \(no primary backend available\)/);
    const up = nextEvent(tr.router.events, 'backend.state', (e) => e.backend === id(P!) && e.to === 'active');
    P!.healthOk = true;
    await up;
    expect(set(await who(tr.url, 5))).toEqual(['P']);
    expect(tr.router.explain({ method: 'GET', url: '/x' }).reason).not.toMatch(/backup/);
  });

  it('catch a retry once every primary refused the request (before any check noticed)', async () => {
    const [B] = await backends('B');
    const dead1 = `http://127.0.0.1:${await refusedPort()}`;
    const dead2 = `http://127.0.0.1:${await refusedPort()}`;
    const tr = await router({
      pools: { web: { scheduler: 'rr', retries: 2, outlier: { consecutiveFailures: 0 }, backends: [dead1, dead2, { url: B!.url, backup: true }] } },
      routes: [{ pool: 'web' }],
    });
    const recs: AccessRecord[] = [];
    tr.router.requestObservers.push((r) => recs.push(r));
    expect(await who(tr.url, 3)).toEqual(['B', 'B', 'B']);
    expect(recs.map((r) => [r.status, r.attempts, r.backend])).toEqual([[200, 3, id(B!)], [200, 3, id(B!)], [200, 3, id(B!)]]);
    // a primary still counts as available (nothing marked it down): the backup tier is not serving
    expect(tr.router.pools.get('web')!.backup!.serving).toBe(false);
  });

  it('a client pinned to a backup goes back to a primary once one serves', async () => {
    const [P, B] = await backends('P', 'B');
    const tr = await router({
      pools: { web: { scheduler: 'rr', affinity: 'client', backends: [P!.url, { url: B!.url, backup: true }] } },
      routes: [{ pool: 'web' }],
    });
    tr.router.control.setState('web', id(P!), 'disabled');
    expect(await who(tr.url, 3)).toEqual(['B', 'B', 'B']);
    tr.router.control.setState('web', id(P!), 'active');
    expect(await who(tr.url, 3)).toEqual(['P', 'P', 'P']);
  });

  it('a reload may turn a backup into a primary and back', async () => {
    const [P, B] = await backends('P', 'B');
    const cfg = (backup: boolean) => validate({
      listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
      pools: { web: { scheduler: 'rr', backends: [P!.url, { url: B!.url, backup }] } }, routes: [{ pool: 'web' }],
    }).config!;
    const tr = await router({ pools: { web: { scheduler: 'rr', backends: [P!.url, { url: B!.url, backup: true }] } }, routes: [{ pool: 'web' }] });
    expect(set(await who(tr.url, 4))).toEqual(['P']);
    tr.router.apply(cfg(false));
    expect(set(await who(tr.url, 4))).toEqual(['B', 'P']);
    tr.router.apply(cfg(true));
    expect(set(await who(tr.url, 4))).toEqual(['P']);
  });

  it('show in the admin API and in adm list', async () => {
    const [P, B] = await backends('P', 'B');
    const tr = await router({
      pools: {
        web: { scheduler: 'rr', backends: [P!.url, { url: B!.url, backup: true }], fallback: 'spare', sorry: { status: 200, body: 'later', contentType: 'text/html' } },
        spare: { scheduler: 'rr', backends: [B!.url] },
      },
      routes: [{ pool: 'web' }],
    });
    const admin = await startAdmin(tr.router, { port: 0 });
    cleanup.push(() => admin.close());
    const pools = async () => (await (await fetch(`${admin.url}/api/pools`)).json()) as PoolOut[];
    let web = (await pools()).find((p) => p.name === 'web')!;
    expect(web.serving).toBe('primary');
    expect(web.fallback).toBe('spare');
    expect(web.sorry).toEqual({ status: 200, body: 'later', contentType: 'text/html' });
    expect(web.backends.map((b) => [b.id, b.backup])).toEqual([[id(P!), false], [id(B!), true]]);
    const spare = (await (await fetch(`${admin.url}/api/pools/spare`)).json()) as PoolOut;
    expect([spare.fallback, spare.sorry, spare.backends[0]!.backup]).toEqual([null, null, false]);
    tr.router.control.setState('web', id(P!), 'disabled');
    web = (await pools()).find((p) => p.name === 'web')!;
    expect(web.serving).toBe('backup');
    const status = { version: '0', configVersion: 1, configFile: null, listeners: [] };
    const text = formatList(status, admin.url, await pools());
    expect(text).toMatch(/HTTP web +rr +fallback spare sorry 200 SERVING-BACKUPS\n/);
    expect(text).toContain(`  -> ${`${id(B!)} backup`.padEnd(28)} active`);
    expect(text).toContain(`  -> ${id(P!).padEnd(28)} disabled`);
    // a backup added at run time takes no work while a primary serves
    tr.router.control.setState('web', id(P!), 'active');
    const [B2] = await backends('B2');
    const added = await fetch(`${admin.url}/api/pools/web/backends`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: B2!.url, backup: true }) });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { backup: boolean }).backup).toBe(true);
    expect(set(await who(tr.url, 4))).toEqual(['P']);
    expect(B2!.hits).toBe(0);
  });

  it('work for raw TCP services as well', async () => {
    const [P, B] = [await tcpEchoBackend('P'), await tcpEchoBackend('B')];
    cleanup.push(async () => { await P.close(); await B.close(); });
    const tr = await router({
      pools: { pg: { scheduler: 'rr', backends: [`tcp://127.0.0.1:${P.port}`, { url: `tcp://127.0.0.1:${B.port}`, backup: true }] } },
      tcp: [{ listen: { host: '127.0.0.1', port: 0 }, pool: 'pg' }],
    });
    const port = tr.tcpPort();
    expect([await whoAnswers(port), await whoAnswers(port)]).toEqual(['P', 'P']);
    tr.router.control.setState('pg', `127.0.0.1:${P.port}`, 'disabled');
    expect([await whoAnswers(port), await whoAnswers(port)]).toEqual(['B', 'B']);
    tr.router.control.setState('pg', `127.0.0.1:${P.port}`, 'active');
    expect(await whoAnswers(port)).toBe('P');
  });
});
