// A request keeps the snapshot it started with, and snapshots are frozen (src/runtime/snapshot.ts,
// src/proxy/exchange.ts). Only the router's public members are used, so this file runs unchanged
// against the code before issue 12, where both tests fail.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/normalized.js';
import { validate } from '../../src/config/validate.js';
import { startRouter, startServer } from '../helpers.js';

function config(raw: Record<string, unknown>): Config {
  const { config, problems } = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, ...raw });
  if (!config) throw new Error('bad test config: ' + JSON.stringify(problems));
  return config;
}

const listen = { host: '127.0.0.1', port: 0 };

describe('a request keeps the snapshot it started with', () => {
  it('learnMime read from the starting snapshot although a reload turned it off mid-request', async () => {
    let arrived: (release: () => void) => void = () => undefined;
    const held = new Promise<() => void>((ok) => (arrived = ok));
    const slow = await startServer((_req, res) => {
      arrived(() => res.writeHead(200, { 'content-type': 'image/x-test', 'content-length': '2' }).end('ok'));
    });
    const base = { listen, learnMime: true, pools: { web: { scheduler: 'rr', backends: [slow.url] } }, routes: [{ name: 'all', match: {}, pool: 'web' }] };
    const r = await startRouter(base);
    try {
      const pending = fetch(`${r.url}/learn-me`);
      // the backend holds the answer until the reload is through
      const release = await held;
      r.router.apply(config({ ...base, learnMime: false }));
      expect(r.router.current.config.learnMime).toBe(false);
      release();
      expect((await pending).status).toBe(200);
      expect(r.router.explain({ method: 'GET', url: '/learn-me' }).mime).toEqual({ type: 'image/x-test', source: 'learned' });
    } finally {
      await r.close();
      await slow.close();
    }
  });

  it('snapshots are frozen; a reload compiles a new one and leaves the old one as it was', async () => {
    const r = await startRouter({ listen, pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] } }, routes: [{ match: {}, pool: 'web' }] });
    try {
      const old = r.router.current;
      expect([Object.isFrozen(old), Object.isFrozen(old.config), Object.isFrozen(old.config.pools.web), Object.isFrozen(old.config.pools.web!.backends[0]), Object.isFrozen(old.config.listen[0]!.limits)]).toEqual([true, true, true, true, true]);
      const oldSpec = r.router.pools.get('web')!.spec;
      r.router.apply(config({ listen, pools: { web: { scheduler: 'rr', timeout: 1234, backends: ['http://127.0.0.1:1'] } }, routes: [{ match: {}, pool: 'web' }] }));
      expect([r.router.current.version, old.version + 1]).toEqual([2, 2]);
      expect([oldSpec.timeout, old.config.pools.web!.timeout, r.router.pools.get('web')!.spec.timeout]).toEqual([oldSpec.timeout, oldSpec.timeout, 1234]);
      expect(oldSpec.timeout).not.toBe(1234);
    } finally {
      await r.close();
    }
  });
});
