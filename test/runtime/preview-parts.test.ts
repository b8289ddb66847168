// The reload preview's small parts: the per-pool ring of recent keys, the route diff, the config's
// JSON form for `check --against`, and GET /api/config's redaction.
import { describe, expect, it } from 'vitest';
import { configView } from '../../src/admin/config-view.js';
import { AffinityTable } from '../../src/affinity/table.js';
import { validate } from '../../src/config/validate.js';
import { fromWire, toWire } from '../../src/config/wire.js';
import { RecentKeys } from '../../src/pools/recent.js';
import { diffRoutes } from '../../src/runtime/route-diff.js';

function routes(list: Record<string, unknown>[]) {
  const { config, problems } = validate({ admin: false, pools: { a: { backends: ['http://127.0.0.1:1'] }, b: { backends: ['http://127.0.0.1:2'] } }, routes: list });
  if (!config) throw new Error(JSON.stringify(problems));
  return config.routes;
}

describe('RecentKeys', () => {
  it('keeps the last N, oldest first, and never more', () => {
    const r = new RecentKeys(4);
    expect(r.list()).toEqual([]);
    for (let i = 0; i < 3; i++) r.add(`k${i}`, '10.0.0.1', 1000 + i, 0);
    expect(r.list().map((s) => s.key)).toEqual(['k0', 'k1', 'k2']);
    for (let i = 3; i < 11; i++) r.add(i % 2 ? undefined : `k${i}`, `10.0.0.${i}`, 1000 + i, i);
    expect(r.size).toBe(4);
    expect(r.list()).toEqual([
      { key: undefined, clientIp: '10.0.0.7', clientPort: 1007, inFlight: 7 },
      { key: 'k8', clientIp: '10.0.0.8', clientPort: 1008, inFlight: 8 },
      { key: undefined, clientIp: '10.0.0.9', clientPort: 1009, inFlight: 9 },
      { key: 'k10', clientIp: '10.0.0.10', clientPort: 1010, inFlight: 10 },
    ]);
  });
});

describe('diffRoutes', () => {
  const before = routes([
    { name: 'cgi', match: { path: '/cgi-bin/**' }, pool: 'a' },
    { name: 'img', match: { mime: 'image/*' }, pool: 'b' },
    { name: 'old', match: { headers: { 'x-old': /^1$/ } }, pool: 'a' },
    { name: 'all', match: {}, pool: 'a' },
  ]);

  it('is empty for the same routes', () => {
    expect(diffRoutes(before, before)).toEqual({ added: [], removed: [], changed: [], unchanged: 4 });
  });

  it('pairs by name and content, then by content (renamed, moved), then by name (changed)', () => {
    const after = routes([
      { name: 'new', match: { method: 'POST' }, pool: 'b' },
      { name: 'scripts', match: { path: '/cgi-bin/**' }, pool: 'a' },
      { name: 'img', match: { mime: 'image/*' }, pool: 'a' },
      { name: 'all', match: {}, pool: 'a' },
    ]);
    const d = diffRoutes(before, after);
    expect(d.added).toEqual([{ name: 'new', position: 1, pool: 'b', match: 'method in POST' }]);
    expect(d.removed).toEqual([{ name: 'old', position: 3, pool: 'a', match: 'header x-old ~ /^1$/' }]);
    expect(d.changed.map((c) => [c.before.name, c.after.name, c.fields])).toEqual([
      ['cgi', 'scripts', ['name', 'position']],
      ['img', 'img', ['position', 'pool']],
    ]);
    expect(d.unchanged).toBe(1);
  });

  it('tells RegExps apart by their source and flags', () => {
    const after = routes([...before.slice(0, 2).map(({ name, match, pool }) => ({ name, match, pool })), { name: 'old', match: { headers: { 'x-old': /^1$/i } }, pool: 'a' }, { name: 'all', match: {}, pool: 'a' }]);
    expect(diffRoutes(before, after).changed.map((c) => [c.after.name, c.fields])).toEqual([['old', ['match']]]);
  });
});

describe('config on the wire', () => {
  it('carries RegExps and makes CA paths absolute', () => {
    const raw = { routes: [{ match: { headers: { a: /x+/gi }, query: { q: 'v' } } }], pools: { p: { tls: { ca: 'certs/ca.pem' } } } };
    const back = fromWire(JSON.parse(JSON.stringify(toWire(raw)))) as typeof raw;
    expect(back.routes[0]!.match.headers.a).toEqual(/x+/gi);
    expect(back.routes[0]!.match.query).toEqual({ q: 'v' });
    expect(back.pools.p.tls.ca).toBe(`${process.cwd()}/certs/ca.pem`);
  });

  it('leaves a malformed RegExp for validation to name', () => {
    expect(fromWire({ a: { $regexp: ['(', ''] } })).toEqual({ a: { $regexp: ['(', ''] } });
    expect(fromWire({ a: { $regexp: 'x' } })).toEqual({ a: { $regexp: 'x' } });
  });
});

describe('configView', () => {
  it('redacts the token, the cookie secret and a store password; drops inlined CAs', () => {
    const { config } = validate({
      admin: { token: 'tok-secret' }, affinity: { cookieSecret: 'cookie-secret-0123456789', store: 'redis://:pw-secret@127.0.0.1:6379/0' },
      pools: { a: { backends: ['http://127.0.0.1:1'] } }, routes: [{ match: { headers: { x: /a/ } }, pool: 'a' }],
    });
    const v = configView(config!);
    const text = JSON.stringify(v);
    for (const s of ['tok-secret', 'cookie-secret-0123456789', 'pw-secret']) expect(text).not.toContain(s);
    expect((v.affinity as { store: string }).store).toBe('redis://:(redacted)@127.0.0.1:6379/0');
    expect((v.routes as { match: { headers: { x: string } } }[])[0]!.match.headers.x).toBe('/a/');
  });
});

describe('AffinityTable.countByBackend', () => {
  it('counts live entries per pool and backend, without expired or forgotten ones', () => {
    const t = new AffinityTable({ timeout: 10, maxEntries: 100, seed: 1 });
    for (let i = 0; i < 5; i++) t.pin('a', 'client', `10.0.0.${i}`, i < 3 ? 'b1:80' : 'b2:80', 1000);
    t.pin('a', 'header', 'u1', 'b2:80', 1000);
    t.pin('b', 'cookie', 's1', 'b1:80', 1000);
    t.pin('b', 'client', '10.0.0.9', 'b3:80', 0); // expires at 10 s
    t.pin('b', 'client', '10.0.0.8', 'b4:80', 1000);
    t.forgetBackend('b', 'b4:80', 1000);
    const c = t.countByBackend(10_500);
    expect([...c.get('a')!].sort()).toEqual([['b1:80', 3], ['b2:80', 3]]);
    expect([...c.get('b')!]).toEqual([['b1:80', 1]]);
  });
});
