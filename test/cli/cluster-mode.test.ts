// Cluster mode that adds up (docs/operations.md#cluster-mode), on the compiled binary with
// `workers: 2`: the admin worker's figures are every worker's; a killed worker fails only its own
// in-flight requests and is replaced with a back-off; a replacement starts with the runtime
// changes the primary holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoBackend, refusedPort, sleep, slowBackend, type SlowBackend, type TestServer } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

interface Cluster {
  proc: ChildProcess;
  port: number;
  admin: string;
  /** Every stderr/stdout line with the time it arrived. */
  lines: { at: number; text: string }[];
  stop(): Promise<void>;
}

async function startCluster(pools: Record<string, unknown>): Promise<Cluster> {
  const adminPort = await refusedPort();
  const dir = mkdtempSync(join(tmpdir(), 'sy-cluster-mode-'));
  const file = join(dir, 'routes.config.mjs');
  writeFileSync(file, `export default ${JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: adminPort }, workers: 2, log: { level: 'warn' },
    pools, routes: [{ name: 'all', pool: 'web' }],
  })};\n`);
  const proc = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'start', '-c', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Cluster['lines'] = [];
  let rest = '';
  const take = (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const text of parts) lines.push({ at: Date.now(), text });
  };
  proc.stdout!.on('data', take);
  proc.stderr!.on('data', take);
  const text = () => lines.map((l) => l.text).join('\n');
  const admin = `http://127.0.0.1:${adminPort}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  while (!(/with 2 workers/.test(text()) && /serves the admin API/.test(text())) && Date.now() - t0 < 50_000) await sleep(50);
  const port = Number(/routing on http:\/\/127\.0\.0\.1:(\d+) with 2 workers/.exec(text())?.[1] ?? 0);
  const c = { proc, port, admin, lines, stop };
  // both workers report figures once they are up
  await poll(async () => (await workers(c)).length === 2, 30_000, () => `two workers in /api/stats\n${text()}`);
  return c;
}

async function poll(cond: () => Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if (await cond()) return;
    } catch { /* not up yet */ }
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what()}`);
    await sleep(100);
  }
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const workers = (c: Cluster) => json<{ workers: { worker: number; pid: number; requests: number }[] }>(`${c.admin}/api/stats`).then((s) => s.workers);
const adminWorker = (c: Cluster) => json<{ worker: number }>(`${c.admin}/api/status`).then((s) => s.worker);

/** One request on a new connection (so the primary hands it to a worker); 0 when it fails. */
function get(port: number, path = '/'): Promise<{ status: number; backend: string }> {
  return new Promise((resolve) => {
    const rq = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, backend: String(res.headers['x-backend'] ?? '') }));
      res.on('error', () => resolve({ status: 0, backend: '' }));
    });
    rq.on('error', () => resolve({ status: 0, backend: '' }));
    rq.on('timeout', () => rq.destroy());
    rq.end();
  });
}

/** Wait for a new "worker P replaces Q" line after index `from`; returns the new pid and when it was printed. */
async function replacement(c: Cluster, from: number, ms = 15_000): Promise<{ pid: number; at: number }> {
  let hit: { pid: number; at: number } | undefined;
  await poll(async () => {
    const l = c.lines.slice(from).find((x) => /worker \d+ replaces \d+/.test(x.text));
    if (l) hit = { pid: Number(/worker (\d+) replaces/.exec(l.text)![1]), at: l.at };
    return hit !== undefined;
  }, ms, () => 'a replacement worker');
  return hit!;
}

async function otherWorkerPid(c: Cluster): Promise<number> {
  const admin = await adminWorker(c);
  const all = await workers(c);
  const w = all.find((x) => x.worker !== admin);
  expect(w, `a worker besides the admin one (${admin}): ${JSON.stringify(all)}`).toBeDefined();
  return w!.pid;
}

describe('workers: 2', () => {
  let c: Cluster;
  const echo: (TestServer & { seen: import('node:http').IncomingMessage[] })[] = [];
  let slow: SlowBackend;

  beforeAll(async () => {
    for (let i = 1; i <= 3; i++) echo.push(await echoBackend(`b${i}`));
    slow = await slowBackend('slow', 200);
    const url = (s: TestServer) => s.url;
    c = await startCluster({ web: { scheduler: 'wrr', backends: [url(echo[0]!), url(echo[1]!)] }, slow: { scheduler: 'rr', backends: [url(slow)] } });
  }, 90_000);

  afterAll(async () => {
    await c?.stop();
    await Promise.all([...echo, slow].map((s) => s?.close()));
  }, 30_000);

  it('the admin API, dashboard feed and /metrics count every worker\'s requests', async () => {
    const N = 60;
    for (let i = 0; i < N; i += 6) {
      const batch = await Promise.all(Array.from({ length: 6 }, (_, k) => get(c.port, `/count/${i + k}`)));
      expect(batch.map((r) => r.status)).toEqual(Array(6).fill(200));
    }
    type Tick = { pools: Record<string, { requests: number; backends: Record<string, { requests: number }> }> };
    let last = '';
    await poll(async () => {
      const s = await json<{ latest: Tick; workers: { requests: number }[] }>(`${c.admin}/api/stats`);
      const web = s.latest.pools.web!;
      const pools = await json<{ name: string; backends: { requests: number }[] }[]>(`${c.admin}/api/pools`);
      const metrics = await (await fetch(`${c.admin}/metrics`)).text();
      const sum = (re: RegExp) => [...metrics.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
      const figures = {
        tick: web.requests,
        tickBackends: Object.values(web.backends).reduce((n, b) => n + b.requests, 0),
        workers: s.workers.reduce((n, w) => n + w.requests, 0),
        eachWorker: s.workers.every((w) => w.requests > 0),
        api: pools.find((p) => p.name === 'web')!.backends.reduce((n, b) => n + b.requests, 0),
        metrics: sum(/^switchyard_requests_total\{[^}]*pool="web"[^}]*\} (\d+)$/gm),
        histogram: sum(/^switchyard_request_duration_seconds_count\{[^}]*pool="web"[^}]*\} (\d+)$/gm),
      };
      last = JSON.stringify(figures);
      return JSON.stringify(figures) === JSON.stringify({ tick: N, tickBackends: N, workers: N, eachWorker: true, api: N, metrics: N, histogram: N });
    }, 10_000, () => `totals of ${N}: ${last}`);
  });

  it('a killed worker fails only its in-flight requests; the replacement takes traffic', async () => {
    const victim = await otherWorkerPid(c);
    const mark = c.lines.length;
    const done: { start: number; status: number }[] = [];
    let killAt = 0;
    const stopAt = Date.now() + 3500;
    const loop = async () => {
      while (Date.now() < stopAt) {
        const start = Date.now();
        const r = await get(c.port, '/slow');
        done.push({ start, status: r.status });
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    await sleep(1200);
    killAt = Date.now();
    process.kill(victim, 'SIGKILL');
    await Promise.all(loops);
    const failed = done.filter((d) => d.status !== 200);
    // about half of the six requests in flight were on the victim; a connection the primary handed
    // over before it saw the exit counts as the victim's too
    const exit = c.lines.slice(mark).find((l) => l.text.includes(`worker ${victim} exited`));
    expect(exit, 'the primary saw the exit').toBeDefined();
    expect(exit!.at - killAt).toBeLessThan(1000);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(6);
    for (const f of failed) expect(f.start, 'a failed request began before the primary saw the exit').toBeLessThanOrEqual(exit!.at);
    const after = done.filter((d) => d.start > exit!.at + 50);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((d) => d.status === 200)).toBe(true);
    // the replacement serves
    const fresh = await replacement(c, mark);
    await poll(async () => {
      await Promise.all(Array.from({ length: 4 }, () => get(c.port, '/after')));
      return (await workers(c)).some((w) => w.pid === fresh.pid && w.requests > 0);
    }, 15_000, () => `requests on the new worker ${fresh.pid}`);
  }, 30_000);

  it('drain, re-weight and add, then kill both workers: the replacements start with those changes', async () => {
    const api = `${c.admin}/api/pools/web/backends`;
    const id = (s: TestServer) => s.url.slice('http://'.length);
    const call = (method: string, url: string, body: object) => fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await call('PATCH', `${api}/${id(echo[0]!)}`, { state: 'drain' })).status).toBe(200);
    expect((await call('PATCH', `${api}/${id(echo[1]!)}`, { weight: 3 })).status).toBe(200);
    expect((await call('POST', api, { url: echo[2]!.url, weight: 1 })).status).toBe(201);
    // replace the other worker, then the admin worker (one at a time: the listening socket lives
    // while one worker holds it): neither replacement saw the changes happen
    let mark = c.lines.length;
    process.kill(await otherWorkerPid(c), 'SIGKILL');
    const first = await replacement(c, mark);
    await poll(async () => (await workers(c)).some((w) => w.pid === first.pid), 15_000, () => 'the first replacement reporting');
    const adminPid = (await workers(c)).find((w) => w.pid !== first.pid)!.pid;
    mark = c.lines.length;
    process.kill(adminPid, 'SIGKILL');
    const second = await replacement(c, mark);
    await poll(async () => {
      const pids = (await workers(c)).map((w) => w.pid).sort();
      return JSON.stringify(pids) === JSON.stringify([first.pid, second.pid].sort());
    }, 20_000, () => 'both replacements reporting to the new admin worker');
    // the new admin worker shows the held state
    const pool = await json<{ backends: { id: string; adminState: string; configWeight: number }[] }>(`${c.admin}/api/pools/web`);
    expect(pool.backends.map((b) => [b.id, b.adminState, b.configWeight])).toEqual([
      [id(echo[0]!), 'drain', 1], [id(echo[1]!), 'active', 3], [id(echo[2]!), 'active', 1],
    ]);
    const before = echo.map((e) => e.seen.length);
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => get(c.port, `/held/${i}`)));
    expect(got.every((r) => r.status === 200)).toBe(true);
    const served = echo.map((e, i) => e.seen.length - before[i]!);
    expect(served[0], 'the drained backend takes no new work').toBe(0);
    expect(served[2], 'the added backend takes work').toBeGreaterThan(0);
    expect(served[1]!, 'weight 3 against 1').toBeGreaterThan(served[2]!);
  }, 40_000);
});

describe('respawn back-off', () => {
  let c: Cluster;
  let b: TestServer;

  beforeAll(async () => {
    b = await echoBackend('b');
    c = await startCluster({ web: { scheduler: 'rr', backends: [b.url] } });
  }, 90_000);

  afterAll(async () => {
    await c?.stop();
    await b?.close();
  }, 30_000);

  it('each death in a row doubles the wait before the replacement (250, 500, 1000 ms)', async () => {
    let pid = await otherWorkerPid(c);
    const waits: { said: number; took: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const mark = c.lines.length;
      process.kill(pid, 'SIGKILL');
      const next = await replacement(c, mark);
      const exit = c.lines.slice(mark).find((l) => /exited .*starting another in \d+ ms/.test(l.text))!;
      waits.push({ said: Number(/in (\d+) ms/.exec(exit.text)![1]), took: next.at - exit.at });
      pid = next.pid;
    }
    expect(waits.map((w) => w.said)).toEqual([250, 500, 1000]);
    for (const w of waits) {
      expect(w.took).toBeGreaterThanOrEqual(w.said - 20);
      expect(w.took).toBeLessThan(w.said + 600);
    }
  }, 30_000);
});
