// Failover keys in the config: `backup` on a backend, `fallback` and `sorry` on a pool; what
// validation (and so `check`) says about them, and how `check` prints them.
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/cli/check.js';
import { validate } from '../../src/config/validate.js';

const base = (pools: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  validate({ pools, routes: [{ pool: Object.keys(pools)[0] }], ...extra });
const web = (more: Record<string, unknown> = {}) => ({ backends: ['http://127.0.0.1:9101'], ...more });

describe('failover config', () => {
  it('normalizes backup, fallback and sorry with their defaults', () => {
    const { config, problems } = base({
      a: { backends: ['http://127.0.0.1:9101', { url: 'http://127.0.0.1:9102', backup: true }], fallback: 'b', sorry: {} },
      b: web({ sorry: { status: 200, body: '<h1>back soon</h1>', contentType: 'text/html' } }),
    });
    expect(problems).toEqual([]);
    expect(config!.pools.a!.backends.map((b) => b.backup)).toEqual([false, true]);
    expect(config!.pools.a!.fallback).toBe('b');
    expect(config!.pools.a!.sorry).toEqual({ status: 503, body: '503 Service Unavailable\n', contentType: 'text/plain; charset=utf-8' });
    expect(config!.pools.b!.sorry).toEqual({ status: 200, body: '<h1>back soon</h1>', contentType: 'text/html' });
    expect(config!.pools.b!.fallback).toBeUndefined();
  });

  it('names a fallback to an unknown pool, to itself, and a bad sorry answer by key', () => {
    const { problems } = base({
      a: web({ fallback: 'statik', sorry: { status: 99, contentType: 'text/html\r\nx-evil: 1' } }),
      static: web({ fallback: 'static' }),
      c: { backends: [{ url: 'http://127.0.0.1:9103', backup: 'yes' }] },
    });
    const at = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(at['pools.a.fallback']).toMatch(/pool "statik" is not defined in pools; did you mean 'static'\?/);
    expect(at['pools.static.fallback']).toBe('a pool cannot fall back to itself');
    expect(at['pools.a.sorry.status']).toMatch(/≥ 200/);
    expect(at['pools.a.sorry.contentType']).toMatch(/media type like "text\/html" on one line/);
    expect(at['pools.c.backends[0].backup']).toMatch(/true or false/);
  });

  it('rejects a cycle of fallback pools once, naming every pool on it', () => {
    const { config, problems } = base({ a: web({ fallback: 'b' }), b: web({ fallback: 'c' }), c: web({ fallback: 'a' }), d: web({ fallback: 'a' }) });
    expect(config).toBeUndefined();
    expect(problems).toEqual([{ path: 'pools.a.fallback', message: 'fallback pools form a cycle: a → b → c → a' }]);
  });

  it('allows a chain, and keeps fallback and sorry away from tcp pools', () => {
    expect(base({ a: web({ fallback: 'b' }), b: web({ fallback: 'c' }), c: web() }).problems).toEqual([]);
    const { problems } = validate({
      pools: { pg: { backends: ['tcp://127.0.0.1:5432'], fallback: 'web', sorry: {} }, web: web() },
      routes: [{ pool: 'web' }],
      tcp: [{ listen: { port: 0 }, pool: 'pg' }],
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['pools.pg.fallback', 'pools.pg.sorry']);
  });

  it('check prints backups, the fallback and the sorry status', () => {
    const { config } = base({
      a: { backends: ['http://127.0.0.1:9101', { url: 'http://127.0.0.1:9102', backup: true }], fallback: 'b', sorry: { status: 200 } },
      b: web(),
    });
    const text = describeConfig(config!);
    expect(text).toMatch(/a: scheduler wlc.*, fallback b, sorry 200\n/);
    expect(text).toContain('http://127.0.0.1:9101  weight 1\n');
    expect(text).toContain('http://127.0.0.1:9102  weight 1  backup\n');
  });
});

describe('`fallback` beside the sh and mh schedulers\' own boolean parameter', () => {
  it('a string names the fallback pool, a boolean is the scheduler\'s', () => {
    const both = base({ a: web({ scheduler: 'mh', fallback: 'b' }), b: web({ scheduler: 'sh', fallback: true }) });
    expect(both.problems).toEqual([]);
    expect(both.config!.pools.a).toMatchObject({ fallback: 'b', params: { fallback: false } });
    expect(both.config!.pools.b).toMatchObject({ fallback: undefined, params: { fallback: true } });
    const { problems } = base({ a: web({ scheduler: 'rr', fallback: true }) });
    expect(problems).toEqual([{ path: 'pools.a.fallback', message: "must name a pool, got true (true or false only as the sh and mh schedulers' own parameter)" }]);
  });
});
