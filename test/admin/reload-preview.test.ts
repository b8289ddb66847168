// The reload preview's edges: POST /api/reload?dryRun=1 (the router's own file, or a config sent in),
// `switchyard check --against` (compiled CLI), and GET /api/config with its secrets redacted.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { toWire } from '../../src/config/wire.js';
import { Router } from '../../src/router.js';
import type { DryRunAnswer } from '../../src/cli/preview.js';
import { echoBackend, type TestServer } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const TOKEN = 'preview-test-token';
const dir = mkdtempSync(join(tmpdir(), 'sy-preview-'));
let backends: TestServer[] = [];
let router: Router;
let admin: Admin;
let routerUrl: string;

/** A config file's text: pool `web` on the first n backends with `scheduler`, plus the routes given. */
function configText(n: number, scheduler: string, routes = `[{ name: 'web', match: {}, pool: 'web' }]`): string {
  return `export default {
  listen: { host: '127.0.0.1', port: 0 },
  admin: { host: '127.0.0.1', port: 0, token: '${TOKEN}' },
  affinity: { cookieSecret: 'a-cookie-secret-of-some-length', store: 'redis://user:hunter2@127.0.0.1:1' },
  log: { level: 'silent' },
  pools: { web: { scheduler: '${scheduler}', backends: ${JSON.stringify(backends.slice(0, n).map((b) => b.url))} } },
  routes: ${routes},
};
`;
}

function api(method: string, path: string, body?: unknown, token = TOKEN): Promise<Response> {
  return fetch(admin.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000, env: { ...process.env, SWITCHYARD_ADMIN_TOKEN: TOKEN } }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

const file = join(dir, 'routes.config.ts');

beforeAll(async () => {
  backends = await Promise.all(['b0', 'b1', 'b2', 'b3', 'b4'].map((n) => echoBackend(n)));
  writeFileSync(file, configText(4, 'mh'));
  router = await Router.fromFile(file, { logger: pino({ level: 'silent' }) });
  const [addr] = await router.listen();
  routerUrl = `http://127.0.0.1:${addr!.port}`;
  admin = await startAdmin(router, { port: 0, token: TOKEN });
  for (let i = 0; i < 200; i++) await (await fetch(`${routerUrl}/p/${i}`)).arrayBuffer();
});

afterAll(async () => {
  await admin.close();
  await router.close(1000);
  await Promise.all(backends.map((b) => b.close()));
});

describe('POST /api/reload?dryRun=1', () => {
  it('previews the changed config file and applies nothing; the reload then applies it', async () => {
    writeFileSync(file, configText(5, 'mh'));
    const r = await api('POST', '/api/reload?dryRun=1');
    expect(r.status).toBe(200);
    const a = (await r.json()) as DryRunAnswer;
    expect(a).toMatchObject({ dryRun: true, ok: true, configVersion: 1, problems: [] });
    const web = a.preview!.pools[0]!;
    expect(web.backends.added).toEqual([`127.0.0.1:${backends[4]!.port}`]);
    expect(web.keys.sampled).toBe(200);
    expect(web.keys.share!).toBeGreaterThan(0.08);
    expect(web.keys.share!).toBeLessThan(0.32);
    expect(router.pools.get('web')!.backends).toHaveLength(4);
    expect(router.current.version).toBe(1);
    const applied = await api('POST', '/api/reload');
    expect(applied.status).toBe(200);
    expect(router.pools.get('web')!.backends).toHaveLength(5);
  });

  it('previews a config sent in, RegExps included, and names its problems when it is invalid', async () => {
    const raw = {
      listen: { host: '127.0.0.1', port: 0 }, admin: false,
      pools: { web: { scheduler: 'mh', backends: backends.map((b) => b.url) } },
      routes: [
        { name: 'beta', match: { headers: { 'x-beta': /^(1|yes)$/i } }, pool: 'web' },
        { name: 'web', match: {}, pool: 'web' },
      ],
    };
    const r = await api('POST', '/api/reload?dryRun=1', { config: toWire(raw) });
    expect(r.status).toBe(200);
    const a = (await r.json()) as DryRunAnswer;
    expect(a.preview!.routes.added).toEqual([{ name: 'beta', position: 1, pool: 'web', match: 'header x-beta ~ /^(1|yes)$/i' }]);
    expect(a.preview!.routes.changed).toEqual([{ before: expect.objectContaining({ name: 'web', position: 1 }), after: expect.objectContaining({ name: 'web', position: 2 }), fields: ['position'] }]);
    const bad = await api('POST', '/api/reload?dryRun=1', { config: { ...raw, pools: { web: { scheduler: 'chb', backends: [] } } } });
    expect(bad.status).toBe(422);
    const b = (await bad.json()) as DryRunAnswer;
    expect(b.ok).toBe(false);
    expect(b.preview).toBeNull();
    expect(b.problems.map((p) => p.path)).toContain('pools.web.scheduler');
  });

  it('needs the token, and a plain reload refuses a config body', async () => {
    expect((await api('POST', '/api/reload?dryRun=1', undefined, 'wrong')).status).toBe(401);
    const r = await api('POST', '/api/reload', { config: {} });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: string }).code).toBe('SY_ERR_ADMIN_BAD_INPUT');
    expect((await api('POST', '/api/reload?dryRun=1', { other: 1 })).status).toBe(400);
  });
});

describe('switchyard check --against', () => {
  it('prints the preview of the checked file against the running router', async () => {
    const next = join(dir, 'next.config.ts');
    writeFileSync(next, configText(3, 'mh', `[{ name: 'api', match: { path: '/api/**' }, pool: 'web' }, { name: 'web', match: {}, pool: 'web' }]`));
    const r = await cli(['check', '-c', next, '--against', admin.url]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Reload preview against');
    expect(r.out).toContain('+ api (#1) → web: path ~ /api/**');
    expect(r.out).toContain(`-127.0.0.1:${backends[3]!.port}  -127.0.0.1:${backends[4]!.port}`);
    expect(r.out).toMatch(/keys: \d+ of 200 recent requests would move/);
    const j = await cli(['check', '-c', next, '--against', admin.url, '--json']);
    expect((JSON.parse(j.out) as { pools: { backends: { removed: string[] } }[] }).pools[0]!.backends.removed).toHaveLength(2);
    expect(router.pools.get('web')!.backends).toHaveLength(5);
  });

  it('a wrong token is one line naming the option', async () => {
    const r = await cli(['check', '-c', file, '--against', admin.url, '--token', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('refused the token');
  });

  it('an admin that does not answer is one line naming --against, not --admin', async () => {
    const gone = await echoBackend('gone');
    await gone.close();
    const r = await cli(['check', '-c', file, '--against', gone.url]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      `switchyard: SY_ERR_ADMIN_UNREACHABLE: cannot reach the admin API at ${gone.url} (ECONNREFUSED); is switchyard running there? (--against URL)`,
    ]);
  });
});

describe('GET /api/config', () => {
  it('is the running config with its secrets redacted', async () => {
    const r = await api('GET', '/api/config');
    expect(r.status).toBe(200);
    const c = (await r.json()) as { admin: { token: string }; affinity: { cookieSecret: string; store: string }; pools: Record<string, { backends: unknown[] }> };
    expect(c.admin.token).toBe('(redacted)');
    expect(c.affinity.cookieSecret).toBe('(redacted)');
    expect(c.affinity.store).toBe('redis://user:(redacted)@127.0.0.1:1');
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(c.pools.web!.backends).toHaveLength(5);
    expect((await api('GET', '/api/config', undefined, 'wrong')).status).toBe(401);
  });
});
