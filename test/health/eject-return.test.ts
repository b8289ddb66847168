// A backend taken out by passive ejection comes back once active checks pass `rise` times in a
// row (checks begun after the ejection only), not after its whole ejection time; without active
// checks the ejection time decides. Issue 11, item 12.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { checksSinceEjection, endsEjectionEarly } from '../../src/health/outlier.js';
import { childBackend, kill, nextEvent, recordEvents, sleep, startRouter, startServer, switchBackend, type TestRouter, type TestServer } from '../helpers.js';

/** Timer slack on a busy machine (other test files run in parallel), as in checks.test.ts. */
const SLACK = 250;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const agent = new Agent({ keepAliveTimeout: 1000, connections: 8 });
async function get(url: string): Promise<{ status: number; backend: string | undefined }> {
  const r = await request(url, { dispatcher: agent, headersTimeout: 5000 });
  await r.body.text();
  const b = r.headers['x-backend'];
  return { status: r.statusCode, backend: typeof b === 'string' ? b : undefined };
}

interface Knob extends TestServer {
  name: string;
  id: string;
  /** Status for ordinary requests. */
  traffic: number;
  /** Status for `GET /healthz`, decided when the check arrives, sent `healthDelay` ms later. */
  health: number;
  healthDelay: number;
  /** Arrival times of health checks. */
  checks: number[];
}

async function knob(name: string): Promise<Knob> {
  const k = { name, traffic: 200, health: 200, healthDelay: 0, checks: [] as number[] };
  const s = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const status = req.url === '/healthz' ? k.health : k.traffic;
    if (req.url === '/healthz') k.checks.push(Date.now());
    const send = () => {
      res.writeHead(status, { 'x-backend': name, 'content-type': 'text/plain' });
      res.end(String(status));
    };
    if (req.url === '/healthz' && k.healthDelay > 0) setTimeout(send, k.healthDelay);
    else send();
  });
  const out = Object.assign(k, s, { id: `127.0.0.1:${s.port}` });
  cleanup.push(() => s.close());
  return out;
}

/** Send requests until `id` is ejected (at most `max`); resolves with the event. */
async function ejectNow(r: TestRouter, id: string, max = 40) {
  const ej = nextEvent(r.router.events, 'backend.ejected', (e) => e.backend === id, 5000);
  let seen = false;
  void ej.then(() => (seen = true), () => undefined);
  for (let i = 0; i < max && !seen; i++) {
    await get(r.url + '/x');
    await sleep(2);
  }
  return ej;
}

/** Poll until a request is answered by `name`; the time it was, or undefined after `ms`. */
async function firstServedBy(r: TestRouter, name: string, ms: number): Promise<number | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await get(r.url + '/x')).backend === name) return Date.now();
    await sleep(10);
  }
  return undefined;
}

describe('ejection return rules', () => {
  it('only checks begun after the ejection count; a failure starts again', () => {
    let n = 0;
    n = checksSinceEjection(n, true, false); // in flight at the ejection
    expect(n).toBe(0);
    n = checksSinceEjection(n, true, true);
    n = checksSinceEjection(n, true, true);
    expect(n).toBe(2);
    n = checksSinceEjection(n, false, true);
    expect(n).toBe(0);
    expect(endsEjectionEarly(2, 2, true)).toBe(true);
    expect(endsEjectionEarly(1, 2, true)).toBe(false);
    expect(endsEjectionEarly(3, 2, false)).toBe(false); // active checks still call it down
  });
});

describe('return from passive ejection', () => {
  const health = { path: '/healthz', interval: 200, timeout: 150, rise: 2, fall: 3 };
  // latest time after a restart for `rise` passing checks: ≤ rise gaps of ≤ interval, plus a probe
  const returnBound = health.rise * health.interval + health.timeout + 2 * SLACK;

  it('SIGKILLed backend restarted on its port gets traffic after rise × interval, not the 30 s ejection', { timeout: 20_000 }, async () => {
    const b0 = await switchBackend('b0');
    cleanup.push(() => b0.close());
    const c = await childBackend('c');
    const id = `127.0.0.1:${c.port}`;
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b0.url, c.url], health, outlier: { consecutiveFailures: 2, baseEjectionTime: 30_000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    expect(await firstServedBy(r, 'c', 2000)).toBeDefined();
    await kill(c);
    const ej = await ejectNow(r, id);
    expect(ej.forMs).toBe(30_000);
    expect(ej.reason).toMatch(/; back sooner once 2 active checks in a row pass$/);
    await sleep(700); // checks fail meanwhile: down by both rules
    expect(r.router.pools.get('p')!.get(id)!.state).toBe('down');
    const back = nextEvent(r.router.events, 'backend.state', (e) => e.backend === id && e.to === 'active', 5000);
    back.catch(() => undefined); // awaited below
    const c2 = await childBackend('c', c.port);
    cleanup.push(() => kill(c2));
    const upAt = Date.now();
    const servedAt = await firstServedBy(r, 'c', 5000);
    expect(servedAt).toBeDefined();
    const ms = servedAt! - upAt;
    // the second passing check starts ≥ interval × 0.8 after the first (checker.ts nextGap)
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThanOrEqual(returnBound);
    const ev = await back;
    expect(ev.reason).toMatch(/^ejection ended \d+ ms early: active check passed 2 times in a row since the ejection \(HTTP 200\)$/);
    const st = r.router.health.status('p', id)!;
    expect(st.ejectionEnds).toEqual({ checks: 1, time: 0 });
    expect(st.lastReturn!.cause).toBe('checks');
    expect(st.lastReturn!.earlyMs).toBeGreaterThan(25_000);
    expect(st.ejectedUntil).toBe(0);
  });

  it('5xx backend fixed: back within rise × interval; ejected again soon after, the ejection time still doubles', { timeout: 20_000 }, async () => {
    const b0 = await switchBackend('b0');
    cleanup.push(() => b0.close());
    const k = await knob('k');
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b0.url, k.url], health, outlier: { consecutiveFailures: 2, baseEjectionTime: 5000, maxEjectionTime: 60_000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    k.traffic = 503;
    k.health = 500;
    expect((await ejectNow(r, k.id)).forMs).toBe(5000);
    await sleep(300);
    const back = nextEvent(r.router.events, 'backend.state', (e) => e.backend === k.id && e.to === 'active', 4000);
    back.catch(() => undefined); // awaited below
    k.traffic = k.health = 200;
    const fixedAt = Date.now();
    const ev = await back;
    expect(ev.at - fixedAt).toBeLessThanOrEqual(returnBound);
    expect(ev.reason).toMatch(/^ejection ended \d+ ms early: active check passed 2 times/);
    k.traffic = 503;
    expect((await ejectNow(r, k.id)).forMs).toBe(10_000);
    expect(r.router.health.status('p', k.id)!.ejectionEnds).toEqual({ checks: 1, time: 0 });
  });

  it('a check in flight at the ejection does not count towards the return', { timeout: 20_000 }, async () => {
    const b0 = await switchBackend('b0');
    cleanup.push(() => b0.close());
    const k = await knob('k');
    k.healthDelay = 300;
    const h = { path: '/healthz', interval: 600, timeout: 500, rise: 1, fall: 1 };
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b0.url, k.url], health: h, outlier: { consecutiveFailures: 2, baseEjectionTime: 30_000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const ev = recordEvents(r.router.events);
    // a check arrives (its answer, 200, is fixed now and sent 300 ms later): break the backend then
    const n0 = k.checks.length;
    const t0 = Date.now();
    while (k.checks.length === n0 && Date.now() - t0 < 3000) await sleep(2);
    const arrived = k.checks.at(-1)!;
    k.traffic = 503;
    k.health = 500;
    const ej = await ejectNow(r, k.id);
    expect(ej.at).toBeLessThan(arrived + k.healthDelay);
    await sleep(1000);
    // the in-flight check did pass after the ejection …
    const late = ev.filter((e) => e.name === 'health.check' && e.payload.backend === k.id && e.at > ej.at);
    expect(late[0]!.payload.ok).toBe(true);
    // … and the backend stayed out
    expect(ev.filter((e) => e.name === 'backend.state' && e.payload.backend === k.id && e.payload.to === 'active')).toEqual([]);
    expect(r.router.health.status('p', k.id)!.ejectionEnds.checks).toBe(0);
    // a check begun after the ejection does count
    const back = nextEvent(r.router.events, 'backend.state', (e) => e.backend === k.id && e.to === 'active', 4000);
    back.catch(() => undefined); // awaited below
    k.traffic = k.health = 200;
    const fixedAt = Date.now();
    expect((await back).at - fixedAt).toBeLessThanOrEqual(h.interval + k.healthDelay + 2 * SLACK);
  });

  it('a drained or disabled backend stays as the operator set it when checks end its ejection', { timeout: 20_000 }, async () => {
    const b0 = await switchBackend('b0');
    cleanup.push(() => b0.close());
    const k1 = await knob('k1');
    const k2 = await knob('k2');
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', maxEjectPercent: 100, backends: [b0.url, k1.url, k2.url], health, outlier: { consecutiveFailures: 2, baseEjectionTime: 30_000 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    k1.traffic = k2.traffic = 503;
    k1.health = k2.health = 500;
    await Promise.all([ejectNow(r, k1.id), ejectNow(r, k2.id)]);
    r.router.control.setState('p', k1.id, 'drain');
    r.router.control.setState('p', k2.id, 'disabled');
    const pool = r.router.pools.get('p')!;
    expect(pool.get(k1.id)!.state).toBe('down');
    const drained = nextEvent(r.router.events, 'backend.state', (e) => e.backend === k1.id, 4000);
    drained.catch(() => undefined); // awaited below
    k1.traffic = k2.traffic = k1.health = k2.health = 200;
    const fixedAt = Date.now();
    const ev = await drained;
    expect(ev.to).toBe('drain');
    expect(ev.at - fixedAt).toBeLessThanOrEqual(returnBound);
    expect(ev.reason).toMatch(/^ejection ended \d+ ms early/);
    await sleep(400);
    expect(pool.get(k1.id)!.state).toBe('drain');
    expect(pool.get(k1.id)!.weight).toBe(0);
    expect(pool.get(k2.id)!.state).toBe('disabled');
    expect(pool.get(k2.id)!.ejectedUntil).toBe(0);
    expect(r.router.health.status('p', k2.id)!.lastReturn!.cause).toBe('checks');
  });

  it('without active checks the ejection time decides', { timeout: 20_000 }, async () => {
    const b0 = await switchBackend('b0');
    cleanup.push(() => b0.close());
    const k = await knob('k');
    const base = 800;
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [b0.url, k.url], outlier: { consecutiveFailures: 2, baseEjectionTime: base } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    k.traffic = 503;
    const back = nextEvent(r.router.events, 'backend.state', (e) => e.backend === k.id && e.to === 'active', 4000);
    back.catch(() => undefined); // awaited below
    const ej = await ejectNow(r, k.id);
    k.traffic = 200;
    const servedAt = await firstServedBy(r, 'k', 4000);
    expect(servedAt).toBeDefined();
    expect(servedAt! - ej.at).toBeGreaterThanOrEqual(base - 20);
    expect(servedAt! - ej.at).toBeLessThanOrEqual(base + 2 * SLACK);
    const ev = await back;
    expect(ev.reason).toBe(`ejection time ran out (${base} ms; ejected 1 time)`);
    const st = r.router.health.status('p', k.id)!;
    expect(st.ejectionEnds).toEqual({ checks: 0, time: 1 });
    expect(st.lastReturn).toMatchObject({ cause: 'time', earlyMs: 0 });
  });
});
