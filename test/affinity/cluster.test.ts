// `workers: 2` without a store: a client's connections land on different workers (the primary
// hands them out round robin) and still reach one backend, through the hash-consistent first choice.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityCore } from '../../src/affinity/core.js';
import { validate } from '../../src/config/validate.js';
import { decide } from '../../src/pipeline/decide.js';
import { PoolRuntime } from '../../src/pools/pool.js';
import { echoBackend, refusedPort, type TestServer } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function get(port: number, localAddress: string) {
  return new Promise<{ status: number; backend: string }>((resolve, reject) => {
    const rq = request({ host: '127.0.0.1', port, path: '/', agent: false, localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, backend: res.headers['x-backend'] as string }));
    });
    rq.on('error', reject);
    rq.end();
  });
}

describe('hash-consistent first choice (cluster workers without a store)', () => {
  it('two cores whose schedulers are in different states pin a client to the same backend', () => {
    const { config } = validate({
      pools: { web: { scheduler: 'rr', affinity: 'client', backends: ['http://10.0.0.1:80', 'http://10.0.0.2:80', 'http://10.0.0.3:80', { url: 'http://10.0.0.4:80', weight: 3 }] } },
      routes: [{ pool: 'web' }],
    });
    const log = pino({ level: 'silent' });
    const cores = [new AffinityCore(config!.affinity, log, { consistent: true }), new AffinityCore(config!.affinity, log, { consistent: true })];
    const pools = [new PoolRuntime(config!.pools.web!, 0), new PoolRuntime(config!.pools.web!, 0)];
    pools[1]!.pick({ key: undefined, clientIp: 'x', clientPort: 0, now: 0 }); // move one cursor
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const ip = `192.168.${i >> 8}.${i & 255}`;
      const ctx = { key: undefined, clientIp: ip, clientPort: 1, now: 1 };
      const [d0, d1] = [0, 1].map((k) => decide(pools[k]!, { ...ctx }, false, { core: cores[k]!, conn: undefined, token: undefined }));
      expect(d0!.backend!.id).toBe(d1!.backend!.id);
      counts.set(d0!.backend!.id, (counts.get(d0!.backend!.id) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    expect(counts.get('10.0.0.4:80')!).toBeGreaterThan(counts.get('10.0.0.1:80')!); // weight 3
    void Promise.all(cores.map((c) => c.close()));
  });
});

describe('switchyard start with workers: 2', () => {
  const backends: (TestServer & { seen: import('node:http').IncomingMessage[] })[] = [];
  let proc: ChildProcess;
  let out = '';
  let port = 0;
  let dir = '';
  let adminPort = 0;

  beforeAll(async () => {
    adminPort = await refusedPort(); // a free port for the admin worker
    for (let i = 1; i <= 3; i++) backends.push(await echoBackend(`b${i}`));
    dir = mkdtempSync(join(tmpdir(), 'sy-cluster-'));
    const file = join(dir, 'routes.config.mjs');
    writeFileSync(file, `export default ${JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: adminPort }, workers: 2, log: { level: 'warn' },
      pools: { web: { scheduler: 'rr', affinity: 'client', backends: backends.map((b) => b.url) } },
      routes: [{ pool: 'web' }],
    })};\n`);
    proc = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'start', '-c', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const until = Date.now() + 80_000;
    while (!(/with 2 workers/.test(out) && /serves the admin API/.test(out)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    port = Number(/routing on http:\/\/127\.0\.0\.1:(\d+) with 2 workers/.exec(out)?.[1] ?? 0);
    // both workers up: give the second one time to bind
    await new Promise((r) => setTimeout(r, 1500));
  }, 90_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    await Promise.all(backends.map((b) => b.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps each client on one backend whichever worker takes its connection', async () => {
    expect(port, out).toBeGreaterThan(0);
    const clients = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'];
    const seen = new Map<string, Set<string>>(clients.map((c) => [c, new Set()]));
    for (let round = 0; round < 4; round++) {
      for (const c of clients) {
        const r = await get(port, c);
        expect(r.status).toBe(200);
        seen.get(c)!.add(r.backend);
      }
    }
    for (const c of clients) expect(seen.get(c)!.size, c).toBe(1);
    expect(new Set(clients.map((c) => [...seen.get(c)!][0])).size).toBeGreaterThan(1);
    // sequential requests reuse one upstream connection per worker and backend: more upstream
    // connections than backends used means more than one worker served
    const upstream = new Set(backends.flatMap((b) => b.seen.map((r) => `${b.url} ${r.socket.remotePort}`)));
    const used = backends.filter((b) => b.seen.length > 0).length;
    expect(upstream.size).toBeGreaterThan(used);
  });

  it('serves the admin API from one worker and relays a drain to every worker', async () => {
    const api = `http://127.0.0.1:${adminPort}/api`;
    const workers = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const st = (await (await fetch(`${api}/status`)).json()) as { worker?: number };
      workers.add(st.worker ?? -1);
    }
    expect(workers.size, 'one worker answers the admin API').toBe(1);
    const drained = backends[0]!.url.slice('http://'.length);
    const r = await fetch(`${api}/pools/web/backends/${drained}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'drain' }) });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 300));
    // new clients, over connections the primary spreads across both workers, never reach it
    const before = backends[0]!.seen.length;
    for (let i = 20; i < 60; i++) expect((await get(port, `127.0.1.${i}`)).status).toBe(200);
    expect(backends[0]!.seen.length).toBe(before);
  });
});
