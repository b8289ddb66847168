// `switchyard start` as a child process: graceful shutdown on SIGTERM (a slow request in flight
// completes, new connections are refused, idle keep-alive connections are closed politely, exit 0),
// and reloads on file change (invalid file kept out, atomic-rename save applied) and on SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startServer, switchBackend } from '../helpers.js';

const ROOT = join(import.meta.dirname, '../..');
/** The compiled command line, as users run it (`npm test` builds first, like test/cli). */
const CLI = join(ROOT, 'dist/cli/main.js');
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Child {
  proc: ChildProcess;
  port: number;
  out: () => string;
  exited: Promise<number | null>;
  waitFor(re: RegExp, ms?: number): Promise<void>;
}

function config(backend: string, scheduler = 'rr'): string {
  return `export default {
  listen: { host: '127.0.0.1', port: 0 },
  admin: false,
  log: { level: 'info', format: 'json' },
  pools: { web: { scheduler: ${JSON.stringify(scheduler)}, backends: [${JSON.stringify(backend)}] } },
  routes: [{ name: 'web', match: {}, pool: 'web' }],
};
`;
}

async function startCli(file: string): Promise<Child> {
  const proc = spawn(process.execPath, [CLI, 'start', '-c', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  cleanup.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  const waitFor = async (re: RegExp, ms = 10_000) => {
    const until = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > until) throw new Error(`no ${re} in output:\n${out}`);
      if (proc.exitCode !== null) throw new Error(`router exited ${proc.exitCode}:\n${out}`);
      await sleep(20);
    }
  };
  await waitFor(/routing on http:\/\/127\.0\.0\.1:(\d+)/, 20_000);
  const port = Number(/routing on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  return { proc, port, out: () => out, exited, waitFor };
}

describe('graceful shutdown', () => {
  it('SIGTERM: the slow request in flight completes, new connections are refused, idle keep-alive closed, exit 0', { timeout: 40_000 }, async () => {
    const slow = await startServer((req, res) => {
      const ms = req.url === '/slow' ? 1500 : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`done ${req.url}`);
      }, ms);
    });
    cleanup.push(slow.close);
    const dir = mkdtempSync(join(tmpdir(), 'sy-life-'));
    const file = join(dir, 'routes.config.ts');
    writeFileSync(file, config(slow.url));
    const child = await startCli(file);
    // an idle keep-alive connection, one request answered
    const idle = connect(child.port, '127.0.0.1');
    let idleData = '';
    const idleClosed = new Promise<string>((resolve) => {
      idle.on('data', (c: Buffer) => (idleData += c.toString()));
      idle.once('end', () => resolve('end'));
      idle.once('error', (e) => resolve(`error ${e.message}`));
    });
    idle.write('GET /fast HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    while (!idleData.includes('done /fast')) await sleep(10);

    const t0 = Date.now();
    const inflight = request(`http://127.0.0.1:${child.port}/slow`, { headersTimeout: 10_000 }).then(async (r) => ({ status: r.statusCode, connection: r.headers.connection, body: await r.body.text() }));
    await sleep(300);
    child.proc.kill('SIGTERM');
    await child.waitFor(/SIGTERM: finishing in-flight requests/);
    expect(await idleClosed).toBe('end'); // closed with a FIN, not reset
    // new connections are refused while the slow request is still running
    const refused = await new Promise<string>((resolve) => {
      const s = connect(child.port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve('connected'); });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    const r = await inflight;
    expect(r).toEqual({ status: 200, connection: 'close', body: 'done /slow' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(await child.exited).toBe(0);
  });
});

describe('reload of a running router', () => {
  it('file change: an invalid file keeps the running config (key paths logged); an atomic-rename save applies; SIGHUP reloads', { timeout: 40_000 }, async () => {
    const A = await switchBackend('A');
    const B = await switchBackend('B');
    cleanup.push(A.close, B.close);
    const dir = mkdtempSync(join(tmpdir(), 'sy-reload-'));
    const file = join(dir, 'routes.config.ts');
    writeFileSync(file, config(A.url));
    const child = await startCli(file);
    const who = async () => (await request(`http://127.0.0.1:${child.port}/x`).then(async (r) => { await r.body.text(); return r.headers['x-backend']; }));
    expect(await who()).toBe('A');

    writeFileSync(file, config(B.url, 'nope'));
    // the runtime reports each reload once, on stderr (here as JSON records: quotes escaped)
    await child.waitFor(/reload rejected, keeping the running config: pools\.web\.scheduler: unknown scheduler \\"nope/);
    expect(await who()).toBe('A');

    // editors that save through a temporary file and a rename
    writeFileSync(join(dir, '.routes.config.ts.tmp'), config(B.url));
    renameSync(join(dir, '.routes.config.ts.tmp'), file);
    await child.waitFor(/config reloaded \([1-9]\d* changes?\)/);
    expect(await who()).toBe('B');

    child.proc.kill('SIGHUP');
    await child.waitFor(/config reloaded \(0 changes\)/);
    expect(await who()).toBe('B');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
