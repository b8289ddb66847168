// Cluster mode figures (src/admin/stats-share.ts): the admin worker's Stats adds the other workers'
// shares: counters summed, latency percentiles from the merged HDR histograms (not averaged), a
// dead worker's totals kept through retire().
import { describe, expect, it } from 'vitest';
import { Stats } from '../../src/admin/stats.js';
import { retire, type StatsShare } from '../../src/admin/stats-share.js';
import { validate } from '../../src/config/validate.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { Router } from '../../src/router.js';
import { pino } from 'pino';

const ID = '127.0.0.1:9';

function router(): Router {
  const { config } = validate({ admin: false, log: { level: 'silent' }, pools: { web: { scheduler: 'rr', backends: [`http://${ID}`] } }, routes: [{ name: 'all', pool: 'web' }] });
  return new Router(config!, { logger: pino({ level: 'silent' }) });
}

const rec = (ms: number, status = 200): AccessRecord => ({
  method: 'GET', path: `/p${ms}`, status, route: 'all', pool: 'web', backend: ID, clientIp: '127.0.0.1', ms, attempts: 1, error: undefined,
});

describe('Stats with peers', () => {
  it('sums counters and merges latency histograms; a retired worker keeps its totals', async () => {
    const [ra, rb] = [router(), router()];
    const a = new Stats(ra);
    const b = new Stats(rb);
    let share: StatsShare | undefined;
    a.onShare = (s) => (share = s);
    for (let i = 0; i < 100; i++) a.observe(rec(1));
    a.observe(rec(1, 503));
    for (let i = 0; i < 100; i++) b.observe(rec(100));
    a.tick();
    expect(share).toBeDefined();
    b.peers = [share!];
    const t = b.tick();
    const web = t.pools.web!;
    expect(web.requests).toBe(201);
    expect(web.errorsTotal).toBe(1);
    expect(web.backends[ID]!.requests).toBe(201);
    // 101 samples at 1 ms and 100 at 100 ms: the merged p50 is 1 ms, p99 100 ms (averaged p99s would be ~50)
    expect(web.p50!).toBeCloseTo(1, 1);
    expect(web.p99!).toBeGreaterThan(99);
    expect(web.p99!).toBeLessThan(101);
    expect(web.backends[ID]!.p99!).toBeGreaterThan(99);
    // /metrics' per-route cells add up
    const routes = b.allRoutes();
    expect(routes).toHaveLength(1);
    expect(routes[0]!.count).toBe(201);
    expect(routes[0]!.classes[2]).toBe(200);
    expect(routes[0]!.classes[5]).toBe(1);
    expect(b.backendTotals('web', ID).requests).toBe(201);
    // worker a dies: its totals stay (through retire), its window does not
    const retired = retire({ worker: 0, pid: 0, at: 0, pools: {}, routes: [] }, share!);
    b.peers = [retired];
    const t2 = b.tick();
    expect(t2.pools.web!.requests).toBe(201);
    expect(t2.pools.web!.rps).toBe(0);
    expect(t2.pools.web!.p99).toBeNull();
    expect(b.allRoutes()[0]!.count).toBe(201);
    await Promise.all([ra.close(0), rb.close(0)]);
  });
});
