// The compiled command line (`npm test` builds first): check and explain, exit codes and messages.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sy-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const good = file('good.config.ts', `
// imports nothing, as the contract allows
export default {
  listen: { host: '127.0.0.1', port: 0 },
  admin: false,
  pools: {
    images: { scheduler: 'rr', backends: ['http://127.0.0.1:9201', 'http://127.0.0.1:9202'] },
    web: { scheduler: 'rr', backends: ['http://127.0.0.1:9101'] },
  },
  routes: [
    { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
    { name: 'web', match: {}, pool: 'web' },
  ],
};
`);

describe('switchyard CLI', () => {
  it('check lists every problem with its key path and exits 1', async () => {
    const bad = file('bad.config.ts', `
export default {
  pools: {
    a: { scheduler: 'nope', backends: ['ftp://x', { url: 'http://127.0.0.1:1', weight: -1 }, 'http://127.0.0.1:1'] },
  },
  routes: [{ match: { colour: 'red' }, pool: 'missing' }, { match: { path: '[' }, pool: 'a' }],
};
`);
    const r = await run(['check', '-c', bad]);
    expect(r.code).toBe(1);
    for (const path of ['pools.a.scheduler', 'pools.a.backends[0]', 'pools.a.backends[1].weight', 'pools.a.backends[2]', 'routes[0].match.colour', 'routes[0].pool', 'routes[1].match.path']) {
      expect(r.err).toContain(path);
    }
  });

  it('check prints the route table and pools of a good config', async () => {
    const r = await run(['check', '-c', good]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('OK');
    expect(r.out).toMatch(/1\. images\s+→ images/);
    expect(r.out).toContain('http://127.0.0.1:9202');
    expect(r.out).not.toContain('warning');
  });

  it('check warns (and still passes) when a listener accepts a PROXY header from any peer', async () => {
    const open = file('open-proxy.config.ts', `export default {
  listen: { host: '127.0.0.1', port: 0, acceptProxy: true }, admin: false,
  pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9101'] } }, routes: [{ pool: 'web' }],
};`);
    const r = await run(['check', '-c', open]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/warning: listen\.acceptProxy: true lets any peer send a PROXY header/);
  });

  it('explain names the route, pool, MIME type and its source, and the backend', async () => {
    const r = await run(['explain', '-c', good, 'GET', '/img/logo', '-H', 'Accept: image/webp']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('images');
    expect(r.out).toContain('image/webp');
    expect(r.out).toMatch(/accept/i);
    expect(r.out).toMatch(/127\.0\.0\.1:920[12]/);
    const j = await run(['explain', '-c', good, '--json', 'GET', '/index.html']);
    const e = JSON.parse(j.out) as { route: { name: string }; pool: { name: string }; mime: { type: string; source: string } };
    expect(e.route.name).toBe('web');
    expect(e.mime).toEqual({ type: 'text/html', source: 'extension' });
  });

  it('fails clearly on a missing config file and on a bad header argument', async () => {
    const a = await run(['check', '-c', join(dir, 'nope.ts')]);
    expect(a.code).not.toBe(0);
    expect(a.err).toMatch(/nope\.ts/);
    const b = await run(['explain', '-c', good, 'GET', '/', '-H', 'no-colon']);
    expect(b.code).not.toBe(0);
    expect(b.err).toMatch(/bad header/);
  });

  it('prints failures as `switchyard: code: message` (issue 12): config problems, a missing file, a bad argument', async () => {
    const bad = file('one-problem.config.ts', `export default { pools: { a: { scheduler: 'nope', backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'a' }] };`);
    const [invalid, missing, header] = await Promise.all([
      run(['check', '-c', bad]),
      run(['check', '-c', join(dir, 'absent.ts')]),
      run(['explain', '-c', good, 'GET', '/', '-H', 'no-colon']),
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(new RegExp(`^switchyard: SY_ERR_CONFIG_INVALID: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 config problem:\n  pools\.a\.scheduler: `));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^switchyard: SY_ERR_CONFIG_FILE: .*absent\.ts: 1 config problem:\n  \(file\): config file not found/);
    expect(header.code).toBe(2);
    expect(header.err).toBe(`switchyard: SY_ERR_CLI_ARGUMENT: bad header "no-colon": expected 'Name: value'\nhint: switchyard explain --help shows its arguments and options\n`);
  });

  it('an unknown command prints usage and exits non-zero', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown command/);
  });
});
