// A config outside the checkout that imports 'switchyard' (as the README shows) loads with the
// compiled CLI: the loader aliases the package name to its own entry (src/config/self.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoBackend, refusedPort, startCli } from '../helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');

function check(file: string, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'check', '-c', file], { cwd, timeout: 20_000 }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

const body = (extra: string) => `import { defineConfig } from 'switchyard';
export default defineConfig({
  listen: { host: '127.0.0.1', port: 0 },
  admin: false,
  pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9101'] } },
  routes: [{ name: 'web', match: {}, pool: 'web' }],${extra}
});
`;

describe('a config outside the checkout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-outside-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };

  it('lives where no node_modules can resolve the package', () => {
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
  });

  it.each(['routes.config.ts', 'routes.config.js', 'routes.config.mjs'])('%s importing defineConfig passes check', async (name) => {
    const r = await check(write(name, body('')), dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${name}: OK`);
  });

  it.each(['routes.config.ts', 'routes.config.mjs'])('%s: start loads it (off the main thread) and routes with it', async (name) => {
    const backend = await echoBackend('outside');
    const port = await refusedPort();
    const file = join(dir, `start-${name}`);
    writeFileSync(file, body('').replace("port: 0 }", `port: ${port} }`).replace('http://127.0.0.1:9101', backend.url));
    const router = await startCli(['-c', file]);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/x`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-backend')).toBe('outside');
      await r.text();
      expect(router.err).not.toContain('Cannot find');
    } finally {
      await router.stop();
      await backend.close();
    }
  }, 60_000);

  it('is validated like any other: a bad key is named', async () => {
    const r = await check(write('bad.config.ts', body("\n  // @ts-expect-error an unknown key\n  colour: 'red',")), dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('colour');
    expect(r.err).not.toContain('Cannot find');
  });

  it('another package name still fails to resolve, naming it', async () => {
    const r = await check(write('other.config.ts', "import x from 'switchyard-nothing';\nexport default x;\n"), dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('switchyard-nothing');
  });
});
