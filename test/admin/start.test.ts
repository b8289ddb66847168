// `switchyard start` runs the admin server from the config's `admin` key and prints the dashboard URL (on stderr).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { start } from '../../src/cli/start.js';
import { rawRequest } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-admin-start-'));
function config(name: string, admin: unknown): string {
  const file = join(dir, `${name}.config.ts`);
  writeFileSync(file, `export default ${JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 }, admin, log: { level: 'silent' },
    pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9'] } }, routes: [{ pool: 'web' }],
  })};\n`);
  return file;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('switchyard start with an admin server', () => {
  it('starts it, prints the dashboard URL, and stops it with the router', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      out.push(String(c));
      return true;
    });
    const running = await start(config('ok', { host: '127.0.0.1', port: 0, token: 'start-token-123' }), { demo: false });
    vi.restoreAllMocks();
    try {
      const m = /dashboard: (http:\/\/127\.0\.0\.1:(\d+))\/ {2}\(asks for the admin token\)/.exec(out.join(''));
      expect(m, out.join('')).not.toBeNull();
      const base = m![1]!;
      expect((await fetch(base + '/')).status).toBe(200);
      expect((await fetch(base + '/api/status')).status).toBe(401);
      const s = await fetch(base + '/api/status', { headers: { authorization: 'Bearer start-token-123' } });
      expect((await s.json()).configFile).toMatch(/ok\.config\.ts$/);
    } finally {
      await running.stop();
    }
  });

  it('passes admin.allowedHosts to the admin server', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      out.push(String(c));
      return true;
    });
    const running = await start(config('hosts', { host: '127.0.0.1', port: 0, allowedHosts: ['admin.test'] }), { demo: false });
    vi.restoreAllMocks();
    try {
      const port = Number(/dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out.join(''))![1]);
      expect((await rawRequest(port, { method: 'GET', target: '/api/status', host: 'admin.test:8080' })).status).toBe(200);
      expect((await rawRequest(port, { method: 'GET', target: '/api/status', host: 'other.test' })).status).toBe(403);
    } finally {
      await running.stop();
    }
  });

  it('refuses to start when the admin server would listen beyond loopback without a token', async () => {
    await expect(start(config('open', { host: '0.0.0.0', port: 0 }), { demo: false })).rejects.toThrow(/refusing to listen on non-loopback address 0\.0\.0\.0 without a token/);
  });

  it('admin: false runs no admin server', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      out.push(String(c));
      return true;
    });
    const running = await start(config('off', false), { demo: false });
    vi.restoreAllMocks();
    await running.stop();
    expect(out.join('')).not.toMatch(/dashboard/);
  });
});
