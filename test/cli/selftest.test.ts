// `switchyard selftest` from the compiled binary (`npm test` builds first): the default config
// passes, a weakened one exits 1, --json gives the same result, a bad --chain is an argument error.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 40_000, cwd: ROOT }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

const weak = join(mkdtempSync(join(tmpdir(), 'sy-selftest-cli-')), 'weak.config.mjs');
writeFileSync(weak, `export default {
  listen: [{ host: '127.0.0.1', port: 8080, mergeSlashes: false }],
  pools: { admin: { backends: ['http://127.0.0.1:9301'] }, web: { backends: ['http://127.0.0.1:9101'], health: { path: '/healthz' } } },
  routes: [{ name: 'admin', match: { path: '/admin/**' }, pool: 'admin' }, { name: 'web', match: {}, pool: 'web' }],
};
`);

describe('switchyard selftest (CLI)', () => {
  it('passes on the default config (routes.config.ts) and prints one line per listener', async () => {
    const r = await run(['selftest', '-c', 'routes.config.ts']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^switchyard selftest: routes\.config\.ts, \d+ cases per listener\n/);
    expect(r.out).toMatch(/\nlistener 127\.0\.0\.1:8080: \d+ refused, \d+ forwarded intact, 0 desynced, 0 routed to a pool its path does not match, 0 client-chosen address forwarded\n/);
    expect(r.out).toMatch(/\nresult: PASS/);
  });

  it('exits 1 on a weakened config, in words and as JSON', async () => {
    const text = await run(['selftest', '-c', weak]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/\n {2}MISROUTED path: \/\/admin\/x \(slashes merged\)\n {4}"GET \/\/admin\/x HTTP\/1\.1" reached pool web .*pool admin\n/);
    expect(text.out).toMatch(/\nresult: FAIL\n$/);
    const json = await run(['selftest', '-c', weak, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { ok: boolean; listeners: { listener: string; counts: Record<string, number> }[] };
    expect(report.ok).toBe(false);
    expect(report.listeners.map((l) => l.listener)).toEqual(['127.0.0.1:8080']);
    expect(report.listeners[0]!.counts.misrouted).toBeGreaterThanOrEqual(1);
    expect(report.listeners[0]!.counts.desync).toBe(0);
  });

  it('refuses a --chain that is not http://host:port', async () => {
    const r = await run(['selftest', '--chain', 'nginx:80']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('switchyard: SY_ERR_CLI_ARGUMENT: bad --chain "nginx:80": expected http://host:port');
    expect(r.err).toMatch(/\nhint: switchyard selftest --help/);
  });
});
