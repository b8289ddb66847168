// Active checks of https: backends verify certificates with the pool's `tls`, as requests do
// (src/health/probe.ts, src/proxy/tls-options.ts): an untrusted certificate is a failed check.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/health/probe.js';
import { validate } from '../../src/config/validate.js';
import type { Health } from '../../src/config/normalized.js';
import { httpsBackend, makeCerts, nextEvent, sleep, startRouter, type TestCerts } from '../helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const HEALTH = { interval: 100, timeout: 200, rise: 1, fall: 3 };
const SLACK = 250;

describe('active checks over TLS', () => {
  it('(5) a backend whose certificate nobody vouches for goes down (without tls: the system store)', async () => {
    const untrusted = await httpsBackend(certs.untrusted, 'untrusted');
    cleanup.push(untrusted.close);
    const t0 = Date.now();
    const r = await startRouter({ pools: { p: { scheduler: 'rr', backends: [untrusted.url], health: HEALTH } }, routes: [{ pool: 'p' }] });
    cleanup.push(r.close);
    const down = await nextEvent(r.router.events, 'backend.state', (e) => e.backend === untrusted.id && e.to === 'down', 3000);
    // three failed checks: within interval × fall + timeout
    expect(Date.now() - t0).toBeLessThanOrEqual(HEALTH.interval * HEALTH.fall + HEALTH.timeout + SLACK);
    expect(down.reason).toMatch(/^active check failed 3 times in a row \(error [A-Z_]+\)$/);
    expect(r.router.health.status('p', untrusted.id)).toMatchObject({ healthy: false, lastCheck: { ok: false } });
    // the handshake failed: no check request reached it
    expect(untrusted.seen).toEqual([]);
  });

  it('(5) with the pool CA a signed backend stays up while an untrusted one in the same pool goes down', async () => {
    const trusted = await httpsBackend(certs.signed, 'trusted');
    const untrusted = await httpsBackend(certs.untrusted, 'untrusted');
    cleanup.push(trusted.close, untrusted.close);
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [trusted.url, untrusted.url], tls: { ca: certs.caFile }, health: HEALTH } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    await nextEvent(r.router.events, 'backend.state', (e) => e.backend === untrusted.id && e.to === 'down', 3000);
    await sleep(HEALTH.interval * 3);
    const ok = r.router.health.status('p', trusted.id)!;
    expect(ok).toMatchObject({ healthy: true, failStreak: 0, lastCheck: { ok: true, detail: 'HTTP 200' } });
    expect(ok.okStreak).toBeGreaterThanOrEqual(3);
    expect(untrusted.seen).toEqual([]);
    expect(trusted.seen.length).toBeGreaterThanOrEqual(3);
  });

  it('a reload that adds the CA restarts the checks with it, and the backend comes back', async () => {
    const be = await httpsBackend(certs.signed);
    cleanup.push(be.close);
    const cfg = (tls: object) => ({
      listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
      pools: { p: { scheduler: 'rr', backends: [be.url], health: HEALTH, ...tls } }, routes: [{ pool: 'p' }],
    });
    const r = await startRouter(cfg({}));
    cleanup.push(r.close);
    await nextEvent(r.router.events, 'backend.state', (e) => e.backend === be.id && e.to === 'down', 3000);
    r.router.apply(validate(cfg({ tls: { ca: certs.caFile } })).config!);
    const up = await nextEvent(r.router.events, 'backend.state', (e) => e.backend === be.id && e.to === 'active', 3000);
    expect(up.reason).toBe('active check passed 1 time in a row (HTTP 200)');
  });

  it('the probe sends the pool servername, or none for an IP address', async () => {
    const be = await httpsBackend(certs.signed);
    cleanup.push(be.close);
    const h: Health = { type: 'http', path: '/hc', expect: [[200, 399]], interval: 1000, timeout: 1000, rise: 1, fall: 1, host: 'shop.example', initial: 'up' };
    const target = { id: be.id, host: '127.0.0.1', port: Number(be.id.split(':')[1]), protocol: 'https:' as const };
    const ca = (await import('node:fs')).readFileSync(certs.caFile, 'utf8');
    expect(await probe({ ...target, tls: { caFile: certs.caFile, ca, servername: undefined, rejectUnauthorized: true } }, h)).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(await probe({ ...target, tls: { caFile: certs.caFile, ca, servername: 'localhost', rejectUnauthorized: true } }, h)).toMatchObject({ ok: true });
    expect(await probe({ ...target, tls: { caFile: certs.caFile, ca, servername: 'wrong.example', rejectUnauthorized: true } }, h)).toMatchObject({ ok: false });
    // without tls: the system store, which does not know this CA
    expect(await probe(target, h)).toMatchObject({ ok: false });
    expect(be.seen).toEqual([
      { path: '/hc', host: 'shop.example', servername: false },
      { path: '/hc', host: 'shop.example', servername: 'localhost' },
    ]);
  });
});
