// Issue 11 (b), with the compiled command line (`npm test` builds first): a socket that cannot
// bind makes `start` close everything it opened and exit 1 with one line naming the address;
// `check` reports listener/admin clashes, also when they show only once host names are resolved.
import { execFile, spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusedPort } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sy-bind-'));

/** Run the CLI; resolves with its exit code and output, or code null if it was still running at `ms`. */
function run(args: string[], ms: number): Promise<{ code: number | null; out: string; err: string; elapsed: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      resolve({ code: null, out, err, elapsed: Date.now() - t0 });
    }, ms);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, elapsed: Date.now() - t0 });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function occupy(port: number): Promise<Server> {
  const s = createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  return s;
}

/** Two listeners, the admin, a raw TCP service, a demo backend and a health-checked pool. */
async function fullConfig(extra = '', level = 'silent'): Promise<{ file: string; ports: Record<'l0' | 'l1' | 'admin' | 'tcp' | 'demo', number> }> {
  const ports = { l0: await refusedPort(), l1: await refusedPort(), admin: await refusedPort(), tcp: await refusedPort(), demo: await refusedPort() };
  const file = join(dir, `full-${ports.l0}.config.ts`);
  writeFileSync(file, `export default {
  listen: [{ host: '127.0.0.1', port: ${ports.l0} }, { host: '127.0.0.1', port: ${ports.l1} }],
  admin: { host: '127.0.0.1', port: ${ports.admin} },
  log: { level: '${level}', format: 'json' },${extra}
  pools: {
    web: { scheduler: 'rr', backends: ['http://127.0.0.1:${ports.demo}'], health: { path: '/', interval: 200 } },
    db: { backends: ['tcp://127.0.0.1:${ports.demo}'] },
  },
  routes: [{ match: {}, pool: 'web' }],
  tcp: [{ listen: { host: '127.0.0.1', port: ${ports.tcp} }, pool: 'db' }],
};`);
  return { file, ports };
}

describe('switchyard start: a socket that cannot bind', () => {
  for (const taken of ['l0', 'l1', 'admin'] as const) {
    it(`${taken === 'l0' ? 'the first listener' : taken === 'l1' ? 'the second listener' : 'the admin'}: closes everything, exits 1 with one line naming the address`, async () => {
      const { file, ports } = await fullConfig();
      const blocker = await occupy(ports[taken]);
      try {
        const r = await run(['start', '--demo', '--no-traffic', '-c', file], 15_000);
        // closing everything lets the process end by itself, well before main.ts's 10 s backstop
        expect(r.code, `still running after 15 s; stderr: ${r.err}`).toBe(1);
        expect(r.elapsed).toBeLessThan(9_000);
        const lines = r.err.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`127.0.0.1:${ports[taken]}`);
        expect(lines[0]).toMatch(/address already in use/);
        if (taken !== 'admin') expect(lines[0]).toContain(`listen[${taken === 'l0' ? 0 : 1}]`);
        for (const [name, port] of Object.entries(ports)) {
          if (name !== taken) expect(await listening(port), `${name} port ${port} still listening`).toBe(false);
        }
      } finally {
        blocker.close();
      }
    });
  }
});

describe('switchyard start with workers: 2 (cluster mode)', () => {
  it('a listener that cannot bind: the primary prints one line, closes everything and exits 1 (no endless replacements)', async () => {
    const { file, ports } = await fullConfig('\n  workers: 2,');
    const blocker = await occupy(ports.l1);
    try {
      const r = await run(['start', '--demo', '--no-traffic', '-c', file], 30_000);
      expect(r.code, `still running after 30 s; stderr: ${r.err}`).toBe(1);
      // before, each worker waited 10 s and was then replaced, for ever
      expect(r.elapsed).toBeLessThan(20_000);
      expect(r.err.trim().split('\n')).toEqual([
        `switchyard: SY_ERR_LISTEN: cannot listen on 127.0.0.1:${ports.l1} (listen[1]): address already in use; closed everything that had started`,
      ]);
      expect(r.out).toBe('');
      for (const [name, port] of Object.entries(ports)) {
        if (name !== 'l1') expect(await listening(port), `${name} port ${port} still listening`).toBe(false);
      }
    } finally {
      blocker.close();
    }
  }, 40_000);

  it('started: the banner (with the config warnings) is on stderr once, stdout stays for access records; SIGHUP and an admin API reload reload each worker once', async () => {
    const { file, ports } = await fullConfig('\n  workers: 2,', 'info');
    // a setting check warns about, to see the warning in the primary's banner
    writeFileSync(file, readFileSync(file, 'utf8').replace(`port: ${ports.tcp} }`, `port: ${ports.tcp}, acceptProxy: true }`));
    const p = spawn(process.execPath, [CLI, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      const t0 = Date.now();
      while (!/serves the admin API/.test(err) || !/with 2 workers/.test(err)) {
        if (Date.now() - t0 > 30_000 || p.exitCode !== null) throw new Error(`no banner; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(err.match(/routing on /g)).toHaveLength(1);
      expect(err).toContain(`switchyard: routing on http://127.0.0.1:${ports.l0}, http://127.0.0.1:${ports.l1} with 2 workers`);
      expect(err.match(/ {2}warning: tcp\[0\]\.listen\.acceptProxy: true lets any peer/g)).toHaveLength(1);
      expect(out).toBe('');
      // each worker reloads and says so; the primary forwards the signal and says nothing
      p.kill('SIGHUP');
      const reloads = () => err.split('\n').filter((l) => l.includes('config reloaded')).map((l) => (JSON.parse(l) as { pid: number }).pid);
      const t1 = Date.now();
      while (reloads().length < 2 && Date.now() - t1 < 20_000) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1500));
      expect(reloads()).toHaveLength(2);
      expect(reloads()).not.toContain(p.pid);
      // a reload asked of the admin API is relayed: every worker reloads once more
      const api = await fetch(`http://127.0.0.1:${ports.admin}/api/reload`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(api.status).toBe(200);
      const t2 = Date.now();
      while (reloads().length < 4 && Date.now() - t2 < 20_000) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1500));
      const [a, b] = [...new Set(reloads())];
      expect(reloads().sort()).toEqual([a, a, b, b].sort());
    } finally {
      p.kill('SIGTERM');
      const code = await exited;
      expect(code, `exit ${code}; stderr ends: ${err.slice(-1500)}`).toBe(0);
    }
  }, 40_000);
});

describe('switchyard check: port clashes', () => {
  const check = (file: string) => new Promise<{ code: number; err: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'check', '-c', file], { timeout: 20_000 }, (e, _out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, err }));
  });
  const config = (listenHost: string, adminHost: string, port: number) => `export default {
  listen: { host: '${listenHost}', port: ${port} },
  admin: { host: '${adminHost}', port: ${port} },
  pools: { web: { backends: ['http://127.0.0.1:1'] } },
  routes: [{ pool: 'web' }],
};`;

  it('a listener and the admin on one host and port: exits non-zero naming both keys', async () => {
    const file = join(dir, 'same.config.ts');
    writeFileSync(file, config('127.0.0.1', '127.0.0.1', 47001));
    const r = await check(file);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/admin: port 47001 .*clashes with listen\b/);
  });

  it('two listeners on one port: exits non-zero naming both keys', async () => {
    const file = join(dir, 'twice.config.ts');
    writeFileSync(file, `export default {
  listen: [{ host: '127.0.0.1', port: 47003 }, { host: '127.0.0.1', port: 47003 }], admin: false,
  pools: { web: { backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'web' }],
};`);
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/listen\[1\]: port 47003 on 127\.0\.0\.1 clashes with listen\[0\]/);
  });

  it('the same clash spelt with a host name (localhost vs its address): exits non-zero naming both keys', async () => {
    const { address } = await lookup('localhost');
    const file = join(dir, 'named.config.ts');
    writeFileSync(file, config('localhost', address, 47002));
    const r = await check(file);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(new RegExp(`admin: port 47002 on ${address.replace(/[.:]/g, '\\$&')}.*clashes with listen\\b.*localhost`));
  });
});
