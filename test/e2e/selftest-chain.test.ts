// `switchyard selftest --chain` against a real nginx front proxy (Debian's nginx, started here in
// the foreground on a free loopback port with a generated config, killed by PID): the corpus goes
// through nginx into Switchyard's listener and the report names where the two parsers disagree.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedPort, sleep } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli/main.js');
// apt's nginx lives in /usr/sbin, which a non-root PATH may leave out
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

const accepts = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});

function nginxConfig(dir: string, front: number, back: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${front};
    location / {
      proxy_pass http://127.0.0.1:${back};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

interface Report {
  ok: boolean;
  chain: string;
  listeners: { listener: string; counts: Record<string, number>; disagreements: number; cases: { name: string; verdict: string; refusedBy?: string; disagreement?: string }[] }[];
}

describe('switchyard selftest --chain through nginx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-chain-'));
  let nginx: ChildProcess;
  let front = 0;
  let back = 0;

  beforeAll(async () => {
    // free ports (a server started and closed): nginx and the selftest bind them
    front = await refusedPort();
    back = await refusedPort();
    mkdirSync(join(dir, 'logs')); // nginx's default log directory under its -p prefix
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, front, back));
    writeFileSync(join(dir, 'switchyard.config.mjs'), `export default {
  listen: { host: '127.0.0.1', port: ${back} },
  pools: { admin: { backends: ['http://127.0.0.1:9301'] }, public: { backends: ['http://127.0.0.1:9101'] } },
  routes: [
    { name: 'admin', match: { path: '/admin/**' }, pool: 'admin' },
    { name: 'private', match: { path: '/private/**' }, caseInsensitive: true, pool: 'admin' },
    { name: 'public', match: {}, pool: 'public' },
  ],
};
`);
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    const t0 = Date.now();
    while (!(await accepts(front))) {
      if (Date.now() - t0 > 10_000) throw new Error('nginx did not start');
      await sleep(50);
    }
  });

  afterAll(() => {
    if (nginx.pid !== undefined) process.kill(nginx.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the corpus through nginx into Switchyard and reports where the parsers disagree', async () => {
    const run = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'selftest', '-c', join(dir, 'switchyard.config.mjs'), '--chain', `http://127.0.0.1:${front}`, '--json'], { timeout: 50_000, cwd: ROOT }, (e, out, err) => {
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
      });
    });
    expect(run.err).toBe('');
    const r = JSON.parse(run.out) as Report;
    expect(r.chain).toBe(`http://127.0.0.1:${front}`);
    const [l] = r.listeners;
    expect(l!.listener).toBe(`http://127.0.0.1:${front} → 127.0.0.1:${back}`);
    // nothing smuggled or misrouted through the pair: the exit code says so
    expect(l!.counts).toMatchObject({ desync: 0, misrouted: 0, spoofed: 0 });
    expect(r.ok).toBe(true);
    expect(run.code).toBe(0);
    // both parsers refused some cases themselves; requests went all the way through as well
    const by = (who: string) => l!.cases.filter((c) => c.refusedBy === who).length;
    expect(by('front')).toBeGreaterThan(0);
    expect(by('switchyard')).toBeGreaterThan(0);
    expect(l!.counts.intact).toBeGreaterThan(0);
    // nginx accepts bare LF line endings that Switchyard alone refuses, and passes them on rewritten
    const lf = l!.cases.find((c) => c.name === 'bare LF line endings')!;
    expect(lf.disagreement).toMatch(/^Switchyard alone refuses it; through the front proxy it arrived as public "GET \/public\/x HTTP\/1\.1"/);
    expect(l!.disagreements).toBe(l!.cases.filter((c) => c.disagreement).length);
  });
});
