// Issue 16, logs, with the compiled command line: access records on stdout in log.format (json,
// combined, pretty), human messages on stderr once each, the demo's own load left out of the
// access log unless --log-demo-load, and `simulate --log` replaying what the router wrote.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClfLine } from '../../src/sim/clf.js';
import { echoBackend, refusedPort, runCli, sleep, startCli, until, type TestServer } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-logs-'));
let backend: TestServer;

beforeAll(async () => {
  backend = await echoBackend('b1');
});
afterAll(() => backend.close());

async function config(name: string, log: Record<string, unknown>, backendUrl = backend.url, extraPools = ''): Promise<{ file: string; port: number }> {
  const port = await refusedPort();
  const file = join(dir, `${name}.config.ts`);
  writeFileSync(file, `export default {
  listen: { host: '127.0.0.1', port: ${port} },
  admin: false,
  log: ${JSON.stringify(log)},
  pools: { web: { scheduler: 'rr', backends: ['${backendUrl}'] }${extraPools} },
  routes: [{ name: 'all', pool: 'web' }],
};\n`);
  return { file, port };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('log.format json (the default off a terminal)', () => {
  it('writes one JSON access record per request on stdout with the contract fields; stderr has only human messages', async () => {
    const { file, port } = await config('json', {});
    const router = await startCli(['-c', file]);
    try {
      const body = 'name=switchyard';
      const r = await fetch(`http://127.0.0.1:${port}/form?q=1`, { method: 'POST', body, headers: { 'user-agent': 'log-test/1', referer: 'http://ref.test/', 'x-request-id': 'req-log-1' } });
      const answer = await r.text();
      await until(() => router.out.includes('"msg":"request"'), 5000, 'the access record');
      const recs = lines(router.out).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(recs).toHaveLength(1);
      const rec = recs[0]!;
      expect(rec).toMatchObject({
        msg: 'request', method: 'POST', path: '/form', status: 200, route: 'all', pool: 'web', backend: `127.0.0.1:${backend.port}`,
        attempts: 1, clientIp: '127.0.0.1', userAgent: 'log-test/1', referer: 'http://ref.test/',
        bytesIn: body.length, bytesOut: Buffer.byteLength(answer), requestId: 'req-log-1',
      });
      expect(rec.ms).toBeGreaterThan(0);
      expect(rec.upstreamMs).toBeGreaterThan(0);
      expect(rec.upstreamMs as number).toBeLessThanOrEqual(rec.ms as number);
      expect(typeof rec.time).toBe('number');
      // the banner is on stderr, never in the access stream
      expect(router.err).toMatch(/^switchyard: routing on http:\/\/127\.0\.0\.1:\d+ /);
      expect(router.out).not.toContain('routing on');
      expect(router.err).not.toContain('"msg":"request"');
    } finally {
      await router.stop();
    }
  });

  it('a config warning and a rejected reload are reported once each, on stderr, and nothing reaches stdout', async () => {
    const insecure = ", insecure: { backends: ['https://127.0.0.1:1'], tls: { rejectUnauthorized: false } }";
    const { file } = await config('reload', { format: 'json' }, backend.url, insecure);
    const router = await startCli(['-c', file]);
    try {
      const warnings = lines(router.err).filter((l) => l.includes('rejectUnauthorized'));
      expect(warnings).toEqual([expect.stringMatching(/^ {2}warning: pools\.insecure\.tls\.rejectUnauthorized: false accepts any certificate/)]);
      writeFileSync(file, `export default { pools: { web: { scheduler: 'nope', backends: ['${backend.url}'] } }, routes: [{ pool: 'web' }] };\n`);
      await until(() => router.err.includes('reload rejected'), 10_000, 'the reload rejection');
      // the watcher's debounce and any second report have had time to show
      await sleep(1000);
      const reports = lines(router.err).filter((l) => l.includes('reload rejected'));
      expect(reports).toHaveLength(1);
      // with format json the events on stderr are JSON records too (pretty prints them as text)
      expect((JSON.parse(reports[0]!) as { level: number; msg: string })).toMatchObject({ level: 50, msg: expect.stringContaining('pools.web.scheduler: unknown scheduler "nope"') });
      expect(router.out).toBe('');
    } finally {
      await router.stop();
    }
  });
});

describe('log.format combined and pretty', () => {
  it('combined: NCSA combined lines that the simulator reads back', async () => {
    const { file, port } = await config('combined', { format: 'combined' });
    const router = await startCli(['-c', file]);
    try {
      for (const p of ['/a.png', '/b.html', '/a.png']) await (await fetch(`http://127.0.0.1:${port}${p}`, { headers: { 'user-agent': 'say "hi"' } })).text();
      await until(() => lines(router.out).length === 3, 5000, 'three access lines');
    } finally {
      await router.stop();
    }
    const out = lines(router.out);
    expect(out[0]).toMatch(/^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/a\.png" 200 \d+ "-" "say \\"hi\\""$/);
    const parsed = out.map((l) => parseClfLine(l));
    for (const e of parsed) expect(typeof e).toBe('object');
    expect(parsed.map((e) => (e as { path: string }).path)).toEqual(['/a.png', '/b.html', '/a.png']);
    expect(Math.abs((parsed[0] as { time: number }).time - Date.now())).toBeLessThan(60_000);
    const log = join(dir, 'combined.log');
    writeFileSync(log, router.out);
    const sim = await runCli(['simulate', '--log', log, '--schedulers', 'rr', '--backends', '2', '--json', '--no-progress']);
    expect(sim.code, sim.err).toBe(0);
    expect(JSON.parse(sim.out).workload).toMatchObject({ requests: 3, objects: 2, malformedLines: 0 });
  });

  it('pretty (pino-pretty): one readable line per request, no JSON', async () => {
    const { file, port } = await config('pretty', { format: 'pretty' });
    const router = await startCli(['-c', file]);
    try {
      await (await fetch(`http://127.0.0.1:${port}/p/1`)).text();
      await (await fetch(`http://127.0.0.1:${port}/p/2`)).text();
      await until(() => lines(router.out).length === 2, 5000, 'two access lines');
      await sleep(300);
    } finally {
      await router.stop();
    }
    const out = lines(router.out);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(new RegExp(`^\\[\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\] INFO: GET /p/1 200 [\\d.]+ ms → web 127\\.0\\.0\\.1:${backend.port}$`));
    expect(router.out).not.toContain('{');
  });
});

describe('simulate --log reads the JSON access log', () => {
  it('replays the records a router wrote, skipping non-request records', async () => {
    const { file, port } = await config('sim-json', { format: 'json' });
    const router = await startCli(['-c', file]);
    try {
      for (const p of ['/x/1', '/x/2', '/x/1', '/x/3']) await (await fetch(`http://127.0.0.1:${port}${p}`)).text();
      await until(() => lines(router.out).length === 4, 5000, 'four access records');
    } finally {
      await router.stop();
    }
    const log = join(dir, 'access.json.log');
    // an event record from an older version (events were on stdout) is skipped, not malformed
    writeFileSync(log, `{"level":30,"time":1,"msg":"config reloaded"}\n${router.out}`);
    const sim = await runCli(['simulate', '--log', log, '--schedulers', 'rr,mh', '--backends', '2', '--json', '--no-progress']);
    expect(sim.code, sim.err).toBe(0);
    expect(sim.err).toBe('');
    const report = JSON.parse(sim.out) as { workload: Record<string, unknown>; results: unknown[] };
    expect(report.workload).toMatchObject({ requests: 4, objects: 3, clients: 1, malformedLines: 0 });
    expect(report.results.length).toBeGreaterThanOrEqual(2);
  });
});

describe('start --demo: the demo load stays out of the access log unless asked', () => {
  for (const flag of [false, true]) {
    it(flag ? 'with --log-demo-load its requests are logged' : 'without the flag only real requests are logged', async () => {
      const demoPort = await refusedPort();
      const { file, port } = await config(`demo-${flag}`, { format: 'json' }, `http://127.0.0.1:${demoPort}`);
      const router = await startCli(['--demo', '-c', file, ...(flag ? ['--log-demo-load'] : [])]);
      try {
        // the demo load sends 4 requests a second
        await sleep(2500);
        if (flag) {
          expect(router.out).toContain('"userAgent":"switchyard-demo-load"');
        } else {
          expect(router.out).toBe('');
          await (await fetch(`http://127.0.0.1:${port}/mine`)).text();
          await until(() => router.out !== '', 5000, 'the access record');
          await sleep(600);
          expect(lines(router.out).map((l) => (JSON.parse(l) as { path: string }).path)).toEqual(['/mine']);
          expect(router.err).toContain('--log-demo-load logs it');
        }
      } finally {
        await router.stop();
      }
    }, 60_000);
  }
});
