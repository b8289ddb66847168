// Shared rate limits (src/limits/shared.ts): two routers on one real redis-server (started here on
// a free loopback port, killed by PID) together allow the rate of one; without `shared` each
// allows it alone. Both routers are hammered at once from several clients for a fixed time.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, rawRequest, refusedPort, sleep, startRouter, until, type TestRouter, type TestServer } from '../helpers.js';

let redisProc: ChildProcess | undefined;
let probe: Redis;
let be: TestServer;
let store = '';

beforeAll(async () => {
  const port = await refusedPort(); // a free port
  store = `redis://127.0.0.1:${port}`;
  probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  await probe.connect().catch(() => undefined);
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000) {
    if (await probe.ping().then((p) => p === 'PONG', () => false)) break;
    await sleep(50);
  }
  be = await echoBackend('a');
});

afterAll(async () => {
  probe.disconnect();
  redisProc?.kill('SIGKILL');
  await be.close();
});

const RATE = 20;
const BURST = 10;
const SECONDS = 2;

/** Four clients per router send one request after another for SECONDS; the 200s in total. */
async function hammer(routers: TestRouter[]): Promise<{ ok: number; limited: number }> {
  const end = Date.now() + SECONDS * 1000;
  let ok = 0;
  let limited = 0;
  await Promise.all(routers.flatMap((r) => Array.from({ length: 4 }, async () => {
    while (Date.now() < end) {
      const a = await rawRequest(r.port, { method: 'GET', target: '/api' });
      if (a.status === 200) ok++;
      else if (a.status === 429) limited++;
    }
  })));
  return { ok, limited };
}

async function pair(shared: boolean): Promise<TestRouter[]> {
  const cfg = {
    affinity: { store },
    pools: { web: { backends: [be.url] } },
    routes: [{ name: shared ? 'shared' : 'alone', pool: 'web', rateLimit: { rate: RATE, burst: BURST, shared } }],
  };
  return Promise.all([startRouter(cfg), startRouter(cfg)]);
}

describe('rateLimit.shared through redis', () => {
  it('two routers together allow the rate of one (within the documented bound)', async () => {
    const rs = await pair(true);
    try {
      await until(() => rs.every((r) => r.router.runtime.sharedRates !== undefined), 2000, 'sharing set up');
      await sleep(300); // both connected to redis
      const { ok, limited } = await hammer(rs);
      const one = RATE * SECONDS + BURST; // what one router allows alone: 50
      expect(limited).toBeGreaterThan(0);
      expect(ok).toBeGreaterThanOrEqual(one - 5);
      // bound (docs/routing.md): one + (N-1)·(burst + rate·sync) = 50 + 10 + 2; measured with slack
      expect(ok).toBeLessThanOrEqual(one + BURST + 10);
      expect(rs[0]!.router.runtime.sharedRates!.counters.syncs).toBeGreaterThan(5);
    } finally {
      await Promise.all(rs.map((r) => r.close()));
    }
  });

  it('without shared, each router allows the full rate', async () => {
    const rs = await pair(false);
    try {
      expect(rs[0]!.router.runtime.sharedRates).toBeUndefined();
      const { ok } = await hammer(rs);
      expect(ok).toBeGreaterThanOrEqual(2 * (RATE * SECONDS + BURST) - 10);
    } finally {
      await Promise.all(rs.map((r) => r.close()));
    }
  });
});
