// Runtime changes under a light keep-alive load: re-weight, drain, disable, enable (through slow
// start), remove after in-flight requests and pinned sessions end, or when the deadline passes.
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent, recordEvents, sleep, slowBackend, startRouter, until, type SlowBackend } from '../helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
const agent = new Agent({ keepAliveTimeout: 2000, connections: 8 });

/** Answers with header `x-backend: <name>`; `/slow/<ms>` waits that long first. */
async function named(name: string): Promise<SlowBackend> {
  const s = await slowBackend(name);
  cleanup.push(s.close);
  return s;
}

async function get(url: string): Promise<{ status: number; backend: string }> {
  const r = await request(url, { dispatcher: agent });
  await r.body.text();
  return { status: r.statusCode, backend: String(r.headers['x-backend']) };
}

/** A background loop of GETs; returns the results so far and a stop function. */
function loop(url: string) {
  const out: { status: number; backend: string; at: number }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const r = await get(url + '/x').catch(() => ({ status: 0, backend: 'error' }));
      out.push({ ...r, at: Date.now() });
      await sleep(2);
    }
  })();
  return { out, stop: async () => { running = false; await done; } };
}

describe('runtime changes', () => {
  it('re-weight, drain, disable and enable under load lose nothing', { timeout: 20_000 }, async () => {
    const A = await named('A');
    const B = await named('B');
    const r = await startRouter({ pools: { p: { scheduler: 'wrr', slowStart: 300, backends: [A.url, B.url] } }, routes: [{ pool: 'p' }] });
    cleanup.push(r.close);
    const ev = recordEvents(r.router.events);
    const idA = `127.0.0.1:${A.port}`, idB = `127.0.0.1:${B.port}`;
    const l = loop(r.url);
    const share = (xs: { backend: string }[], n: string) => xs.filter((x) => x.backend === n).length / xs.length;
    await sleep(300);

    const next = async (n: number) => {
      const from = l.out.length;
      while (l.out.length < from + n) await sleep(5);
      return l.out.slice(from + 1, from + n + 1); // skip one: it may have been picked before the change
    };
    r.router.control.setWeight('p', idA, 3, 'test');
    expect(share(await next(41), 'A')).toBeCloseTo(0.75, 1);

    r.router.control.setState('p', idB, 'drain', 'test drain');
    const hitsB = B.seen.length;
    expect((await next(30)).every((x) => x.backend === 'A')).toBe(true);
    expect(B.seen.length - hitsB).toBeLessThanOrEqual(1); // at most the one already on its way

    r.router.control.setState('p', idB, 'active', 'test undrain');
    r.router.control.setState('p', idA, 'disabled', 'test disable');
    expect((await next(30)).every((x) => x.backend === 'B')).toBe(true);

    const ramp = nextEvent(r.router.events, 'backend.slowstart', (e) => e.backend === idA && e.phase === 'start', 2000);
    r.router.control.setState('p', idA, 'active', 'test enable');
    await ramp;
    await nextEvent(r.router.events, 'backend.slowstart', (e) => e.backend === idA && e.phase === 'done', 2000);
    expect(share(await next(41), 'A')).toBeCloseTo(0.75, 1);
    await l.stop();

    expect(l.out.filter((x) => x.status !== 200)).toEqual([]);
    const states = ev.filter((e) => e.name === 'backend.state').map((e) => `${e.payload.backend === idA ? 'A' : 'B'} ${e.payload.from}→${e.payload.to}: ${e.payload.reason}`);
    expect(states).toEqual(['B active→drain: test drain', 'B drain→active: test undrain', 'A active→disabled: test disable', 'A disabled→active: test enable']);
    expect(ev.some((e) => e.name === 'backend.weight' && e.payload.to === 3)).toBe(true);
  });

  it('remove drains first and waits for in-flight requests and pinned sessions', { timeout: 20_000 }, async () => {
    const A = await named('A');
    const S = await named('S');
    const r = await startRouter({ pools: { p: { scheduler: 'rr', backends: [A.url, S.url] } }, routes: [{ pool: 'p' }] });
    cleanup.push(r.close);
    const idS = `127.0.0.1:${S.port}`;
    const pool = r.router.pools.get('p')!;
    // two slow requests: rr puts one on each backend
    const slow = [get(r.url + '/slow/800'), get(r.url + '/slow/800')];
    await until(() => pool.get(idS)!.active === 1, 5000);
    let pinned = 1;
    r.router.control.pinned = (p, id) => (p === 'p' && id === idS ? pinned : 0);
    const t0 = Date.now();
    let removedAt = 0;
    const removed = r.router.control.remove('p', idS, 10_000, 'test remove').then(() => (removedAt = Date.now()));
    await sleep(20);
    expect(pool.get(idS)!.state).toBe('drain');
    // new requests all go to A meanwhile
    for (let i = 0; i < 5; i++) expect((await get(r.url + '/x')).backend).toBe('A');
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await sleep(200);
    expect(removedAt).toBe(0); // still a pinned session
    pinned = 0;
    await removed;
    expect(removedAt - t0).toBeGreaterThanOrEqual(600);
    expect(pool.backends.map((b) => b.id)).toEqual([`127.0.0.1:${A.port}`]);
  });

  it('remove with a deadline: gone from scheduling at the deadline, its in-flight request still finishes', { timeout: 20_000 }, async () => {
    const A = await named('A');
    const S = await named('S');
    const r = await startRouter({ pools: { p: { scheduler: 'rr', backends: [S.url, A.url] } }, routes: [{ pool: 'p' }] });
    cleanup.push(r.close);
    const idS = `127.0.0.1:${S.port}`;
    const pool = r.router.pools.get('p')!;
    const long = get(r.url + '/slow/3000');
    await until(() => pool.get(idS)!.active === 1, 5000);
    const t0 = Date.now();
    await r.router.control.remove('p', idS, 300, 'test remove');
    expect(Date.now() - t0).toBeLessThan(2000); // the deadline, not the 3 s request
    expect(pool.get(idS)!.state).toBe('disabled'); // removing: finishes its work, takes none
    expect(r.router.control.pool('p').backends.filter((b) => !b.removing).map((b) => b.id)).toEqual([`127.0.0.1:${A.port}`]);
    expect(await long).toEqual({ status: 200, backend: 'S' });
    expect(pool.backends.map((b) => b.id)).toEqual([`127.0.0.1:${A.port}`]);
  });
});
