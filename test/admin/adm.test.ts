// `switchyard adm` against a running instance: in-process through commander (fast), and the real
// command line once (exit codes, stdout/stderr).
import { execFile } from 'node:child_process';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdmError, registerAdm } from '../../src/cli/adm.js';
import { fixture, traffic, type Fixture } from './fixture.js';
import { admInProcess, refusedPort } from '../helpers.js';

const TOKEN = 'adm-token-0123456789';
let f: Fixture;
beforeAll(async () => {
  f = await fixture({ token: TOKEN });
  await traffic(f.tr.url, ['/img/1.png', '/img/2.png', '/', '/cgi-bin/env'], 2);
  f.admin.stats.tick();
});
afterAll(async () => {
  await f.close();
});

/** Run `switchyard adm …` in-process; returns what it printed, or throws what it threw. */
const adm = (...args: string[]): Promise<string> => admInProcess(f.admin.url, '--token', TOKEN, ...args);

describe('adm (in-process)', () => {
  it('list prints pools and backends like ipvsadm -L -n', async () => {
    const out = await adm('list');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Switchyard \d+\.\d+\.\d+ \(config v1\) admin http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^Prot Pool +Scheduler +Flags$/);
    expect(lines[2]).toMatch(/^ {2}-> Backend +State +Weight ActiveReq Requests +Errors +Req\/s +p99ms +Hit%$/);
    expect(lines[3]).toMatch(/^HTTP html +rr$/);
    expect(lines[4]).toMatch(new RegExp(`^  -> ${f.html[0]!.id.replace(/\./g, '\\.')} +active +1 +0 +\\d+ +0 `));
    expect(lines[6]).toMatch(/^HTTP images +rr$/);
    expect(lines[7]).toMatch(new RegExp(`^  -> ${f.images[0]!.id.replace(/\./g, '\\.')} +active +2 `));
    expect(lines[9]).toMatch(/^HTTP cgi +wlc +persistent client$/);
    expect(lines).toHaveLength(11);
  });

  it('list --json prints the API answer', async () => {
    const pools = JSON.parse(await adm('list', '--json')) as { name: string; backends: { id: string }[] }[];
    expect(pools.map((p) => p.name)).toEqual(['html', 'images', 'cgi']);
    expect(pools[1]!.backends.map((b) => b.id)).toEqual(f.images.map((b) => b.id));
  });

  it('drain then list shows the change; enable brings it back', async () => {
    const id = f.html[1]!.id;
    expect(await adm('drain', 'html', id)).toBe(`html: ${id} drain (weight 0)\n`);
    expect(f.tr.router.pools.get('html')!.get(id)!.state).toBe('drain');
    const line = (await adm('list')).split('\n').find((l) => l.includes(id))!;
    expect(line).toMatch(/ drain +0\/1 /);
    expect(await adm('enable', 'html', id)).toBe(`html: ${id} active (weight 1)\n`);
  });

  it('add, edit --weight, delete', async () => {
    expect(await adm('add', 'html', 'http://127.0.0.1:9', '--weight', '3')).toBe('html: added 127.0.0.1:9 (http://127.0.0.1:9) weight 3, active\n');
    expect(await adm('edit', 'html', '127.0.0.1:9', '--weight', '0')).toBe('html: 127.0.0.1:9 weight 0 (effective 0), active\n');
    const json = JSON.parse(await adm('edit', 'html', '127.0.0.1:9', '-w', '7', '--json')) as { configWeight: number };
    expect(json.configWeight).toBe(7);
    expect(await adm('delete', 'html', '127.0.0.1:9')).toBe('html: removed 127.0.0.1:9\n');
    expect(f.tr.router.pools.get('html')!.backends.map((b) => b.id)).toEqual(f.html.map((b) => b.id));
  });

  it('list --connections prints the affinity table like ipvsadm -Lc', async () => {
    const lines = (await adm('list', '--connections')).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Switchyard affinity entries: \d+ of max 1000000 \(\d+ connection, [1-9]\d* template\); hits \d+, misses \d+, evictions 0, expirations \d+; store memory$/);
    expect(lines[1]).toMatch(/^kind +expire +pool +client +backend +live$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^client +(-|0[45]:\\d\\d) +cgi +127\\.0\\.0\\.1 +${f.cgi[0]!.id} +\\d+$`)));
    const json = JSON.parse(await adm('list', '-c', '--pool', 'cgi', '--json')) as { list: { pool: string }[] };
    expect(json.list.length).toBeGreaterThanOrEqual(1);
    expect(json.list.every((e) => e.pool === 'cgi')).toBe(true);
  });

  it('reload without a config file is a clear error', async () => {
    await expect(adm('reload')).rejects.toThrow(/409 this router was not started from a config file/);
  });

  it('clear errors: unknown pool or backend, bad weight, missing --weight', async () => {
    await expect(adm('drain', 'nope', '127.0.0.1:1')).rejects.toThrow(/404 no pool named "nope"/);
    await expect(adm('drain', 'html', '127.0.0.1:1')).rejects.toThrow(/404 pool html has no backend "127.0.0.1:1"/);
    await expect(adm('add', 'html', 'ftp://127.0.0.1:1')).rejects.toThrow(/400 .*scheme/);
    await expect(adm('edit', 'html', f.html[0]!.id, '--weight', 'heavy')).rejects.toThrow(/--weight must be an integer/);
    await expect(adm('edit', 'html', f.html[0]!.id)).rejects.toThrow(/required option '-w, --weight <n>'/);
  });

  it('failures carry the API\'s code and key path (issue 12)', async () => {
    const e = await adm('drain', 'nope', '127.0.0.1:1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdmError);
    expect(e).toMatchObject({ code: 'SY_ERR_POOL_UNKNOWN', status: 404, path: 'params.pool' });
    expect(await adm('edit', 'html', '127.0.0.1:1', '--weight', '2').catch((x: unknown) => x)).toMatchObject({ code: 'SY_ERR_BACKEND_UNKNOWN', path: 'params.id' });
    expect(await adm('add', 'html', `http://${f.html[0]!.id}`).catch((x: unknown) => x)).toMatchObject({ code: 'SY_ERR_BACKEND_EXISTS', path: 'body.url' });
    expect(await adm('reload').catch((x: unknown) => x)).toMatchObject({ code: 'SY_ERR_RELOAD_NO_FILE' });
    const port = await refusedPort();
    const program = new Command().exitOverride();
    registerAdm(program);
    const down = await program.parseAsync(['adm', '--admin', `http://127.0.0.1:${port}`, 'list'], { from: 'user' }).catch((x: unknown) => x);
    expect(down).toMatchObject({ code: 'SY_ERR_ADMIN_UNREACHABLE' });
  });

  it('clear errors: wrong token, no token, unreachable', async () => {
    const program = () => {
      const p = new Command().exitOverride();
      registerAdm(p);
      return p;
    };
    await expect(program().parseAsync(['adm', '--admin', f.admin.url, '--token', 'wrong-token-xxxxxxxx', 'list'], { from: 'user' }))
      .rejects.toThrow(/refused the token \(401 Unauthorized\)/);
    const saved = [process.env.SWITCHYARD_ADMIN_TOKEN, process.env.SWITCHYARD_TOKEN];
    delete process.env.SWITCHYARD_ADMIN_TOKEN;
    delete process.env.SWITCHYARD_TOKEN;
    try {
      await expect(program().parseAsync(['adm', '--admin', f.admin.url, 'list'], { from: 'user' })).rejects.toThrow(/needs a token \(401 Unauthorized\); pass --token or set SWITCHYARD_ADMIN_TOKEN/);
      process.env.SWITCHYARD_ADMIN_TOKEN = TOKEN;
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      await program().parseAsync(['adm', '--admin', f.admin.url, 'list'], { from: 'user' });
      spy.mockRestore();
    } finally {
      if (saved[0] === undefined) delete process.env.SWITCHYARD_ADMIN_TOKEN;
      else process.env.SWITCHYARD_ADMIN_TOKEN = saved[0];
      if (saved[1] !== undefined) process.env.SWITCHYARD_TOKEN = saved[1];
    }
    const port = await refusedPort();
    const e = await program().parseAsync(['adm', '--admin', `http://127.0.0.1:${port}`, 'list'], { from: 'user' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdmError);
    expect((e as Error).message).toBe(`cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED); is switchyard running there? (--admin URL)`);
  });
});

describe('adm (the real command line)', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'adm', '--admin', f.admin.url, ...args], { timeout: 60_000, env: { ...process.env, SWITCHYARD_ADMIN_TOKEN: TOKEN } },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });

  it('list exits 0 and prints the table; a wrong token exits non-zero with the reason on stderr', async () => {
    const [ok, bad] = await Promise.all([run(['list']), run(['--token', 'wrong-token-xxxxxxxx', 'drain', 'html', f.html[0]!.id])]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^HTTP images +rr$/m);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^switchyard: SY_ERR_ADMIN_TOKEN: the admin API at http:\/\/127\.0\.0\.1:\d+ refused the token \(401 Unauthorized\)/);
    expect(f.tr.router.pools.get('html')!.get(f.html[0]!.id)!.state).toBe('active');
  }, 60_000);
});
