// The container image's commands, without Docker (issue 16): a clean `npm pack` is unpacked and
// installed the way the Dockerfile's second stage does it (locked runtime dependencies only), then
// the Dockerfile's own ENTRYPOINT + CMD start it with deploy/routes.config.ts from a directory with
// no node_modules, and its HEALTHCHECK command is run against it. Needs the npm registry or a
// warm npm cache.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { echoBackend, refusedPort, type TestServer } from '../helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'sy-pack-'));
const OPT = join(tmp, 'opt');
const ETC = join(tmp, 'etc');

function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; timeout: number }): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...o, maxBuffer: 16 << 20 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}

/** The instructions of the Dockerfile's last stage, JSON (exec) forms parsed. */
function dockerfile() {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const last = text.split(/^FROM /m).at(-1)!;
  const line = (word: string) => new RegExp(`^${word} (.*)$`, 'm').exec(last)?.[1] ?? '';
  const health = /CMD (\[.*\])/.exec(line('HEALTHCHECK'))?.[1] ?? '[]';
  return {
    from: /^(\S+)/.exec(text.split(/^FROM /m).at(-1)!)![1]!,
    workdir: line('WORKDIR'),
    user: line('USER'),
    entrypoint: JSON.parse(line('ENTRYPOINT')) as string[],
    cmd: JSON.parse(line('CMD')) as string[],
    healthcheck: JSON.parse(health) as string[],
    configCopy: /^COPY deploy\/routes\.config\.ts (\S+)$/m.exec(last)?.[1] ?? '',
  };
}

describe('the image entry command from a clean npm pack install', () => {
  const d = dockerfile();
  /** Image paths to this test's directories. */
  const here = (s: string) => s.replaceAll(d.workdir, OPT).replaceAll('/etc/switchyard', ETC);
  let child: ChildProcess | undefined;
  let backend: TestServer | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await backend?.close();
    rmSync(tmp, { recursive: true, force: true }); // the install is some 45 MB
  });

  it('the Dockerfile: node 20 or newer slim base, non-root, healthcheck, entry command', () => {
    expect(d.from).toMatch(/^node:(2\d|[3-9]\d)(\.\d+)*-slim$/);
    expect(d.user).toBe('node');
    expect(d.healthcheck.join(' ')).toContain('/ping');
    expect(d.entrypoint.join(' ')).toContain(`${d.workdir}/dist/cli/main.js`);
    expect(d.cmd).toEqual(['start', '-c', `${d.configCopy}`]);
  });

  it('installs from the pack with the locked runtime dependencies', async () => {
    const pack = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, timeout: 60_000 });
    expect(pack.code).toBe(0);
    mkdirSync(OPT);
    mkdirSync(ETC);
    const tar = await run('tar', ['-xzf', join(tmp, pack.out.trim().split('\n').at(-1)!), '-C', OPT, '--strip-components=1'], { cwd: tmp, timeout: 30_000 });
    expect(tar.code).toBe(0);
    copyFileSync(join(ROOT, 'package-lock.json'), join(OPT, 'package-lock.json'));
    const ci = await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: OPT, timeout: 240_000 });
    expect(ci.err).not.toMatch(/ERR!/);
    expect(ci.code).toBe(0);
    // no test, bench or dev-only package came along
    const installed = await run('npm', ['ls', '--omit=dev', '--depth=0', '--json'], { cwd: OPT, timeout: 30_000 });
    const deps = Object.keys((JSON.parse(installed.out) as { dependencies: Record<string, unknown> }).dependencies);
    expect(deps).not.toContain('vitest');
    expect(deps).not.toContain('http-proxy');
    copyFileSync(join(ROOT, 'deploy/routes.config.ts'), join(ETC, 'routes.config.ts'));
  }, 300_000);

  it('starts, answers /ping, passes its HEALTHCHECK, proxies, and stops on SIGTERM', async () => {
    backend = await echoBackend('packed');
    const [port, admin] = [await refusedPort(), await refusedPort()];
    const env = {
      ...process.env, NODE_ENV: 'production', SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_PORT: String(port),
      SWITCHYARD_ADMIN_PORT: String(admin), SWITCHYARD_BACKENDS: backend.url,
    };
    const [cmd, ...args] = [...d.entrypoint, ...d.cmd].map(here);
    let out = '';
    child = spawn(cmd!, args, { cwd: OPT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const ping = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${admin}/ping`);
        return r.status === 200 && (await r.text()).trim() === 'ok';
      } catch {
        return false;
      }
    };
    let up = false;
    // a cold first start compiles the config with jiti: allow 30 s
    for (let i = 0; i < 60 && !(up = await ping()); i++) await new Promise((r) => setTimeout(r, 500));
    expect(up, out).toBe(true);
    const [hc, ...hcArgs] = d.healthcheck;
    expect((await run(hc!, hcArgs, { cwd: OPT, env, timeout: 10_000 })).code).toBe(0);
    const r = await fetch(`http://127.0.0.1:${port}/hello`);
    expect(r.headers.get('x-backend')).toBe('packed');
    const exited = new Promise<number | null>((res) => child!.once('exit', (code) => res(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // and the healthcheck fails once nothing answers
    expect((await run(hc!, hcArgs, { cwd: OPT, env, timeout: 10_000 })).code).toBe(1);
  }, 60_000);
});
