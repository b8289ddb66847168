// Active health checks: consecutive rise/fall, jitter, HTTP and TCP probes, events with reasons,
// and the death-to-down time against the target interval × fall + timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { JITTER, nextGap, RiseFall } from '../../src/health/checker.js';
import { probe } from '../../src/health/probe.js';
import { seededRng } from '../../src/schedulers/rng.js';
import { childBackend, kill, nextEvent, recordEvents, refusedPort, sleep, startRouter, switchBackend, type SwitchBackend, type TestRouter } from '../helpers.js';

/** Timer slack on a busy machine (other test files run in parallel). */
const SLACK = 250;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('rise/fall counting', () => {
  it('goes down after `fall` failures in a row and up after `rise` successes in a row', () => {
    const rf = new RiseFall(true);
    expect(rf.record(false, 2, 3)).toBeUndefined();
    expect(rf.record(false, 2, 3)).toBeUndefined();
    expect(rf.record(false, 2, 3)).toBe('down');
    expect(rf.healthy).toBe(false);
    expect(rf.record(false, 2, 3)).toBeUndefined();
    expect(rf.record(true, 2, 3)).toBeUndefined();
    expect(rf.record(true, 2, 3)).toBe('up');
    expect(rf.healthy).toBe(true);
  });

  it('a result of the opposite kind resets the streak', () => {
    const rf = new RiseFall(true);
    for (let i = 0; i < 10; i++) {
      expect(rf.record(false, 2, 3)).toBeUndefined();
      expect(rf.record(false, 2, 3)).toBeUndefined();
      expect(rf.record(true, 2, 3)).toBeUndefined(); // never three failures in a row
    }
    expect(rf.healthy).toBe(true);
    const down = new RiseFall(false);
    for (let i = 0; i < 10; i++) {
      expect(down.record(true, 3, 1)).toBeUndefined();
      expect(down.record(true, 3, 1)).toBeUndefined();
      expect(down.record(false, 3, 1)).toBeUndefined();
    }
    expect(down.healthy).toBe(false);
  });
});

describe('jitter', () => {
  it('gaps lie in [interval × (1 − JITTER), interval] and are spread out', () => {
    const rng = seededRng(42);
    const gaps = Array.from({ length: 2000 }, () => nextGap(1000, rng));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 * (1 - JITTER));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000);
    expect(new Set(gaps).size).toBeGreaterThan(150);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(880);
    expect(mean).toBeLessThan(920);
  });

  it('checks of different backends do not fire in lockstep', async () => {
    const bs: SwitchBackend[] = [];
    for (let i = 0; i < 6; i++) bs.push(await switchBackend(`j${i}`));
    cleanup.push(async () => { for (const b of bs) await b.close(); });
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: bs.map((b) => b.url), health: { path: '/healthz', interval: 400, timeout: 200 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const ev = recordEvents(r.router.events);
    await sleep(1300);
    const checks = ev.filter((e) => e.name === 'health.check');
    expect(checks.length).toBeGreaterThanOrEqual(12); // ~3 rounds × 6
    const first = bs.map((b) => checks.find((c) => c.payload.backend === `127.0.0.1:${b.port}`)!.at);
    const spread = Math.max(...first) - Math.min(...first);
    expect(spread).toBeGreaterThan(100); // first checks spread over the first interval
    // per backend, consecutive checks are about 0.8 to 1 interval apart (event times include each
    // probe's own duration and timer slack on a busy machine; nextGap's bounds are tested above)
    for (const b of bs) {
      const at = checks.filter((c) => c.payload.backend === `127.0.0.1:${b.port}`).map((c) => c.at);
      for (let i = 1; i < at.length; i++) {
        expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(400 * (1 - JITTER) - 100);
        expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(400 + SLACK);
      }
    }
  });
});

describe('probes', () => {
  it('http: status in `expect`, refused, timeout; tcp: connect or refused', async () => {
    const b = await switchBackend('p');
    cleanup.push(b.close);
    const t = { id: `127.0.0.1:${b.port}`, host: '127.0.0.1', port: b.port, protocol: 'http:' as const };
    const h = { type: 'http' as const, path: '/healthz', expect: [[200, 299]] as [number, number][], interval: 1000, timeout: 300, rise: 1, fall: 1, host: undefined, initial: 'up' as const };
    expect(await probe(t, h)).toMatchObject({ ok: true, detail: 'HTTP 200' });
    b.healthOk = false;
    expect(await probe(t, h)).toMatchObject({ ok: false, detail: 'HTTP 500' });
    expect(await probe(t, { ...h, expect: [[500, 500]] })).toMatchObject({ ok: true });
    b.mode = 'hang';
    const slow = await probe(t, h);
    expect(slow).toMatchObject({ ok: false, detail: 'timeout after 300 ms' });
    expect(slow.ms).toBeLessThan(500);
    b.mode = 'ok';
    expect(await probe(t, { ...h, type: 'tcp' })).toMatchObject({ ok: true, detail: 'tcp connect' });
    const dead = await refusedPort();
    const td = { ...t, port: dead, id: `127.0.0.1:${dead}` };
    expect(await probe(td, h)).toMatchObject({ ok: false, detail: 'error ECONNREFUSED' });
    expect(await probe(td, { ...h, type: 'tcp' })).toMatchObject({ ok: false, detail: 'connect ECONNREFUSED' });
  });
});

describe('active checks in a running router', () => {
  async function router(bs: { url: string }[], extra: Record<string, unknown> = {}): Promise<TestRouter> {
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: bs.map((b) => b.url), health: { path: '/healthz', interval: 100, timeout: 80, rise: 2, fall: 3 }, ...extra } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    return r;
  }

  it('takes a failing backend out after `fall` checks and back after `rise`, with events and reasons', async () => {
    const a = await switchBackend('a');
    const b = await switchBackend('b');
    cleanup.push(a.close, b.close);
    const r = await router([a, b], { slowStart: 300 });
    const id = `127.0.0.1:${b.port}`;
    const ev = recordEvents(r.router.events);
    await sleep(250);
    b.healthOk = false;
    const down = await nextEvent(r.router.events, 'backend.state', (e) => e.backend === id && e.to === 'down', 3000);
    expect(down.from).toBe('active');
    expect(down.reason).toBe('active check failed 3 times in a row (HTTP 500)');
    expect(down.detectMs).toBeGreaterThanOrEqual(150); // 3 checks ≥ 2 gaps of ≥ 80 ms
    expect(down.detectMs).toBeLessThanOrEqual(100 * 3 + 80 + SLACK);
    const fails = ev.filter((e) => e.name === 'health.check' && e.payload.backend === id && e.payload.ok === false);
    expect(fails.length).toBe(3);
    // no traffic while down
    const hits = b.hits;
    for (let i = 0; i < 10; i++) expect((await fetch(r.url + '/x')).headers.get('x-backend')).toBe('a');
    expect(b.hits).toBe(hits);
    expect(r.router.health.status('p', id)).toMatchObject({ healthy: false, checking: true, lastDetectMs: down.detectMs });
    b.healthOk = true;
    const up = await nextEvent(r.router.events, 'backend.state', (e) => e.backend === id && e.to === 'active', 3000);
    expect(up.reason).toBe('active check passed 2 times in a row (HTTP 200)');
    const ss = ev.find((e) => e.name === 'backend.slowstart' && e.payload.backend === id && e.payload.phase === 'start');
    expect(ss).toBeDefined();
    await nextEvent(r.router.events, 'backend.slowstart', (e) => e.backend === id && e.phase === 'done', 2000);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await fetch(r.url + '/x')).headers.get('x-backend')!);
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it("initial: 'down' — a backend takes no work until `rise` checks pass, also when added at run time", async () => {
    const a = await switchBackend('a');
    const b = await switchBackend('b');
    const c = await switchBackend('c');
    cleanup.push(a.close, b.close, c.close);
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [a.url, b.url], health: { path: '/healthz', interval: 100, timeout: 80, rise: 2, fall: 2, initial: 'down' } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const pool = r.router.pools.get('p')!;
    expect(pool.backends.map((x) => x.state)).toEqual(['down', 'down']);
    expect(pool.backends[0]!.reason).toBe('initial state down: up after 2 passing checks');
    expect((await fetch(r.url + '/x')).status).toBe(503);
    const t0 = Date.now();
    while (pool.backends.some((x) => x.state !== 'active') && Date.now() - t0 < 3000) await sleep(20);
    expect(pool.backends.map((x) => x.reason)).toEqual(['active check passed 2 times in a row (HTTP 200)', 'active check passed 2 times in a row (HTTP 200)']);
    expect((await fetch(r.url + '/x')).status).toBe(200);
    const added = r.router.control.add('p', c.url, 1, 'test');
    expect(added.state).toBe('down');
    // answers while c is still down after them (so it was down when they were routed)
    const whileDown: (string | null)[] = [];
    let hitsWhileDown = -1;
    for (let i = 0; i < 6; i++) {
      const got = (await fetch(r.url + '/x')).headers.get('x-backend');
      if (added.state === 'down') {
        whileDown.push(got);
        hitsWhileDown = c.hits;
      }
    }
    expect(whileDown.length).toBeGreaterThan(0); // rise 2 × interval 100 ms outlasts the first answer
    expect(whileDown).not.toContain('c');
    expect(hitsWhileDown).toBe(0);
    await nextEvent(r.router.events, 'backend.state', (e) => e.backend === added.id && e.to === 'active', 3000);
  });

  it('validation: health.initial must be up or down', async () => {
    const { validate } = await import('../../src/config/validate.js');
    const { problems } = validate({ pools: { p: { scheduler: 'rr', backends: ['http://127.0.0.1:1'], health: { initial: 'maybe' } } }, routes: [{ pool: 'p' }] });
    expect(problems).toContainEqual({ path: 'pools.p.health.initial', message: 'must be "up" or "down", got "maybe"' });
  });

  it('tcp checks; state kept across a reload that keeps the pool', async () => {
    const a = await switchBackend('a');
    cleanup.push(a.close);
    const deadPort = await refusedPort();
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [a.url, `http://127.0.0.1:${deadPort}`], health: { type: 'tcp', interval: 100, timeout: 80, rise: 2, fall: 2 } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const dead = `127.0.0.1:${deadPort}`;
    await nextEvent(r.router.events, 'backend.state', (e) => e.backend === dead && e.to === 'down', 3000);
    const before = r.router.pools.get('p')!.get(dead)!;
    const { validate } = await import('../../src/config/validate.js');
    const next = validate({
      listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
      pools: { p: { scheduler: 'rr', backends: [a.url, `http://127.0.0.1:${deadPort}`], health: { type: 'tcp', interval: 100, timeout: 80, rise: 2, fall: 2 } } },
      routes: [{ name: 'renamed', pool: 'p' }],
    }).config!;
    r.router.apply(next);
    await sleep(300);
    const after = r.router.pools.get('p')!.get(dead)!;
    expect(after).toBe(before);
    expect(after.state).toBe('down');
    expect(r.router.health.status('p', dead)!.failStreak).toBeGreaterThanOrEqual(3); // counting went on
  });

  it('death to down via active checks only, no traffic: within interval × fall + timeout', async () => {
    const a = await switchBackend('a');
    cleanup.push(a.close);
    const c = await childBackend('c');
    cleanup.push(() => kill(c));
    const interval = 200, fall = 3, timeout = 100;
    const r = await startRouter({
      pools: { p: { scheduler: 'rr', backends: [a.url, c.url], health: { path: '/healthz', interval, timeout, rise: 2, fall } } },
      routes: [{ pool: 'p' }],
    });
    cleanup.push(r.close);
    const id = `127.0.0.1:${c.port}`;
    const figures: number[] = [];
    for (let round = 0; round < 3; round++) {
      await sleep(150 + round * 70); // kill at a different phase of the check cycle each round
      const down = nextEvent(r.router.events, 'backend.state', (e) => e.backend === id && e.to === 'down', 3000);
      const killedAt = Date.now();
      await kill(c);
      const ev = await down;
      figures.push(ev.at - killedAt);
      expect(ev.at - killedAt).toBeLessThanOrEqual(interval * fall + timeout + SLACK);
      // restart on the same port; it comes back
      const c2 = await childBackend('c', c.port);
      c.proc = c2.proc;
      await nextEvent(r.router.events, 'backend.state', (e) => e.backend === id && e.to === 'active', 3000);
    }
    process.stdout.write(`death-to-down (active only, interval ${interval} × fall ${fall} + timeout ${timeout} = ${interval * fall + timeout} ms): ${figures.join(', ')} ms\n`);
  });
});
