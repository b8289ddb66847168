// Runtime changes and reloads (docs/admin.md#runtime-changes-and-reloads): a reload applies what
// changed in the file; runtime weight, drain/disable, additions and removals the file did not
// touch stay, and the answer lists them under `kept`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { execFile } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAdmin, type Admin } from '../../src/admin/server.js';
import { Router } from '../../src/router.js';

const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const JSON_CT = { 'content-type': 'application/json' };
const A = '127.0.0.1:9';
const B = '127.0.0.1:19';

/** A config file with backends A (weight `wa`) and B, plus `extra` backend URLs. */
const file = (wa: number, extra: string[] = []) => `export default { listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
  pools: { web: { scheduler: 'wrr', backends: [{ url: 'http://${A}', weight: ${wa} }, 'http://${B}', ${extra.map((u) => JSON.stringify(u)).join(', ')}] } },
  routes: [{ pool: 'web' }] };\n`;

describe('reload keeps runtime changes the file did not touch', () => {
  let dir = '';
  let path = '';
  let router: Router;
  let admin: Admin;
  const call = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) =>
    admin.app.inject({ method, url, headers: JSON_CT, ...(body ? { payload: body } : {}) });
  const backend = (id: string) => router.pools.get('web')!.backends.find((b) => b.id === id && !b.removing);
  const reload = async () => {
    const r = await call('POST', '/api/reload');
    expect(r.statusCode).toBe(200);
    return r.json() as { changes: string[]; kept: string[] };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-reload-'));
    path = join(dir, 'routes.config.mjs');
    writeFileSync(path, file(1));
    router = await Router.fromFile(path, { logger: pino({ level: 'silent' }) });
    admin = await startAdmin(router, { host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await admin.close();
    await router.close(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('weight, drain and an added backend survive an unchanged file, and the answer lists them', async () => {
    expect((await call('PATCH', `/api/pools/web/backends/${A}`, { weight: 3 })).statusCode).toBe(200);
    expect((await call('PATCH', `/api/pools/web/backends/${B}`, { state: 'drain' })).statusCode).toBe(200);
    expect((await call('POST', '/api/pools/web/backends', { url: 'http://127.0.0.1:29', weight: 2 })).statusCode).toBe(201);
    const r = await reload();
    expect(r.changes).toEqual([]);
    expect(backend(A)!.configWeight).toBe(3);
    expect(backend(B)!.adminState).toBe('drain');
    expect(backend('127.0.0.1:29')!.configWeight).toBe(2);
    expect(r.kept).toEqual([
      `pool web: backend ${A} weight 3 (set at runtime; the file says 1)`,
      `pool web: backend ${B} drained (at runtime)`,
      'pool web: backend 127.0.0.1:29 added (at runtime; not in the file)',
    ]);
    // a second reload keeps them again
    expect((await reload()).kept).toHaveLength(3);
    expect(backend(A)!.configWeight).toBe(3);
  });

  it('disable survives; a removed backend stays removed; the file wins where it changed', async () => {
    expect((await call('PATCH', `/api/pools/web/backends/${A}`, { weight: 3, state: 'disabled' })).statusCode).toBe(200);
    expect((await call('DELETE', `/api/pools/web/backends/${B}?wait=0`)).statusCode).toBe(200);
    let r = await reload();
    expect(backend(A)!.adminState).toBe('disabled');
    expect(backend(B)).toBeUndefined();
    expect(r.kept).toContain(`pool web: backend ${B} removed (at runtime; the file lists it)`);
    // the file changes A's weight (1 → 5) and adds C: both apply; A stays disabled
    writeFileSync(path, file(5, ['http://127.0.0.1:39']));
    r = await reload();
    expect(backend(A)!.configWeight).toBe(5);
    expect(backend(A)!.adminState).toBe('disabled');
    expect(backend('127.0.0.1:39')).toBeDefined();
    expect(r.changes).toEqual(['pool web: backend 127.0.0.1:39 added']);
    // the file drops C: it goes (the file had listed it)
    writeFileSync(path, file(5));
    r = await reload();
    expect(backend('127.0.0.1:39')).toBeUndefined();
    expect(r.changes).toEqual(['pool web: backend 127.0.0.1:39 removed']);
  });

  it('adm reload prints the runtime changes it kept', async () => {
    // the compiled command line, as an operator runs it
    const adm = (...args: string[]) => new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [BIN, 'adm', '--admin', admin.url, ...args], (e, out, err) => (e ? reject(new Error(err)) : resolve(out)));
    });
    expect(await adm('edit', 'web', A, '--weight', '3')).toBe(`web: ${A} weight 3 (effective 3), active\n`);
    expect(await adm('reload')).toBe(`reloaded: config v2, 0 change(s)\nkept 1 runtime change(s):\n  pool web: backend ${A} weight 3 (set at runtime; the file says 1)\n`);
  });
});
