// Two Switchyard instances — one in this process, one a real `switchyard start` child process —
// share persistence templates and the cookie key through a real redis-server (started here on a
// free loopback port, in the foreground, killed by PID). Redis stops: both keep serving from their
// local tables. Redis returns: sharing resumes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, startRouter, type TestRouter, type TestServer } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(what: string, fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function get(port: number, localAddress: string, path = '/', headers: Record<string, string> = {}) {
  return new Promise<{ status: number; backend: string; setCookie: string[] | undefined }>((resolve, reject) => {
    const rq = request({ host: '127.0.0.1', port, path, agent: false, localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, backend: res.headers['x-backend'] as string, setCookie: res.headers['set-cookie'] }));
    });
    rq.on('error', reject);
    rq.end();
  });
}

let redisPort = 0;
let redisProc: ChildProcess | undefined;
let probe: Redis;

async function startRedis(): Promise<void> {
  redisProc = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  await waitFor('redis-server', async () => {
    try {
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    }
  });
}

async function stopRedis(): Promise<void> {
  const p = redisProc!;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
  redisProc = undefined;
}

const backends: TestServer[] = [];
let a: TestRouter;
let bProc: ChildProcess;
let bPort = 0;
let bOutput = '';
let dir = '';

beforeAll(async () => {
  redisPort = await freePort();
  probe = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  probe.on('error', () => undefined);
  await probe.connect().catch(() => undefined);
  await startRedis();
  for (let i = 1; i <= 3; i++) backends.push(await echoBackend(`b${i}`));
  const pools = {
    web: { scheduler: 'rr', affinity: 'client', backends: backends.map((b) => b.url) },
    ck: { scheduler: 'rr', affinity: 'cookie', backends: backends.map((b) => b.url) },
  };
  const routes = [{ match: { path: '/ck/**' }, pool: 'ck' }, { pool: 'web' }];
  const affinity = { store: `redis://127.0.0.1:${redisPort}`, timeout: 60 };
  a = await startRouter({ affinity, pools, routes });
  dir = mkdtempSync(join(tmpdir(), 'sy-redis-'));
  const file = join(dir, 'routes.config.mjs');
  writeFileSync(file, `export default ${JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'info', access: false }, affinity, pools, routes })};\n`);
  bProc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start', '-c', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  bProc.stdout!.on('data', (d: Buffer) => (bOutput += d.toString()));
  bProc.stderr!.on('data', (d: Buffer) => (bOutput += d.toString()));
  await waitFor('the child router', () => /routing on http:\/\/127\.0\.0\.1:(\d+)/.test(bOutput), 30_000);
  bPort = Number(/routing on http:\/\/127\.0\.0\.1:(\d+)/.exec(bOutput)![1]);
  await waitFor('both routers on redis', async () => a.router.affinity.storeStatus() === 'connected' && ((await probe.client('LIST')) as string).split('\n').filter(Boolean).length >= 3);
  await new Promise((r) => setTimeout(r, 200)); // the cookie key exchange (SET NX + GET) settles
});

afterAll(async () => {
  bProc?.kill('SIGTERM');
  await a?.close();
  await Promise.all(backends.map((b) => b.close()));
  if (redisProc) await stopRedis();
  probe?.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('affinity store in Redis', () => {
  it('two router processes pin the same client to the same backend', async () => {
    // move A's round robin so that its choice for 127.0.0.2 is not what B's fresh cursor would pick
    await get(a.port, '127.0.0.9');
    await get(a.port, '127.0.0.8');
    const onA = (await get(a.port, '127.0.0.2')).backend;
    expect(onA).toBe('b3');
    for (let i = 0; i < 3; i++) expect((await get(bPort, '127.0.0.2')).backend).toBe(onA);
    expect(await probe.get('switchyard:affinity:web:client:127.0.0.2')).toMatch(new RegExp(`^${backends[2]!.url.slice('http://'.length)}@\\d+$`));
    // the other way round: first seen by B
    const onB = (await get(bPort, '127.0.0.3')).backend;
    for (let i = 0; i < 3; i++) expect((await get(a.port, '127.0.0.3')).backend).toBe(onB);
  });

  it('a cookie set by one instance is honoured by the other (shared cookie key)', async () => {
    await get(a.port, '127.0.0.9', '/ck/x');
    const first = await get(a.port, '127.0.0.9', '/ck/x');
    const cookie = first.setCookie![0]!.split(';')[0]!;
    for (let i = 0; i < 3; i++) {
      const res = await get(bPort, '127.0.0.9', '/ck/x', { cookie });
      expect(res.backend).toBe(first.backend);
      expect(res.setCookie).toBeUndefined();
    }
  });

  it('reads a shared pin on a miss, but not one written before its backend was removed here', async () => {
    const core = a.router.affinity;
    const pool = a.router.pools.get('web')!;
    const ctx = (ip: string) => ({ key: undefined, clientIp: ip, clientPort: 1, now: Date.now() });
    const aff = { core, conn: undefined, token: undefined };
    // 127.0.0.3 was pinned through B: drop A's copy, warm it back from Redis
    const onB = core.table.peek('web', 'client', '127.0.0.3', Date.now());
    core.table.unpin('web', 'client', '127.0.0.3');
    await core.warm(pool, ctx('127.0.0.3'), aff);
    expect(core.table.peek('web', 'client', '127.0.0.3', Date.now())).toBe(onB);
    // 127.0.0.2 is pinned to b3 in Redis; b3 is removed and added back on A: that pin is void here
    const b3 = pool.backends[2]!;
    await a.router.control.remove('web', b3.id, 1000);
    a.router.control.add('web', b3.url);
    expect(core.table.peek('web', 'client', '127.0.0.2', Date.now())).toBeUndefined();
    expect(await probe.get('switchyard:affinity:web:client:127.0.0.2')).toMatch(/@\d+$/);
    await core.warm(pool, ctx('127.0.0.2'), aff);
    expect(core.table.peek('web', 'client', '127.0.0.2', Date.now())).toBeUndefined();
  });

  it('keeps serving when Redis goes away, and resumes sharing when it returns', async () => {
    const pinned = (await get(a.port, '127.0.0.3')).backend;
    expect((await get(bPort, '127.0.0.3')).backend).toBe(pinned);
    await stopRedis();
    await waitFor('A to notice', () => a.router.affinity.storeStatus() === 'disconnected');
    // pinned clients keep their pins; new clients are served from the local tables
    expect((await get(a.port, '127.0.0.3')).backend).toBe(pinned);
    expect((await get(bPort, '127.0.0.3')).backend).toBe(pinned);
    for (const ip of ['127.0.0.20', '127.0.0.21', '127.0.0.22']) {
      expect((await get(a.port, ip)).status).toBe(200);
      expect((await get(bPort, ip)).status).toBe(200);
    }
    await startRedis();
    await waitFor('both routers back on redis', async () => a.router.affinity.storeStatus() === 'connected' && ((await probe.client('LIST')) as string).split('\n').filter(Boolean).length >= 3);
    await get(a.port, '127.0.0.30');
    const onA = (await get(a.port, '127.0.0.4')).backend;
    for (let i = 0; i < 3; i++) expect((await get(bPort, '127.0.0.4')).backend).toBe(onA);
    expect(bOutput).toMatch(/affinity store unavailable/);
    expect(bOutput).toMatch(/affinity store back/);
  });
});
