import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { validate } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const ok = {
  pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9101', { url: 'http://127.0.0.1:9102', weight: 3 }] } },
  routes: [{ name: 'all', match: {}, pool: 'web' }],
};
const paths = (raw: unknown) => validate(raw).problems.map((p) => p.path);

describe('config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const { config, problems } = validate(ok);
    expect(problems).toEqual([]);
    expect(config!.listen[0]).toMatchObject({ host: '0.0.0.0', port: 8080, limits: { maxHeaderSize: 16384, headersTimeout: 10000 } });
    expect(config!.pools.web!.backends.map((b) => [b.id, b.weight])).toEqual([['127.0.0.1:9101', 1], ['127.0.0.1:9102', 3]]);
    expect(config!.pools.web).toMatchObject({ timeout: 30000, connectTimeout: 2000, retries: 2, affinity: 'none' });
    expect(config!.admin).toEqual({ host: '127.0.0.1', port: 9090, token: undefined, allowedHosts: [] });
    expect(config!.listen[0]).toMatchObject({
      acceptProxy: false, allowUnderscoreHeaders: false, mergeSlashes: true,
      limits: { bodyTimeout: 30000, maxBodySize: undefined, maxHeaderCount: 100 },
    });
    expect(config!.routes[0]!.caseInsensitive).toBe(false);
  });

  it('checks the boundary keys: acceptProxy CIDRs, allowedHosts, limits, port clashes with the admin', () => {
    const { problems } = validate({
      ...ok,
      listen: [
        { port: 9090, acceptProxy: [], limits: { maxBodySize: -1, maxHeaderCount: 0, bodyTimeout: 'x' } },
        { port: 8081, acceptProxy: ['10.0.0.0/8', 'nope'], mergeSlashes: 'yes' },
      ],
      admin: { allowedHosts: ['admin.example.net', 'bad host:1'] },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining([
      'listen[0].acceptProxy', 'listen[0].limits.maxBodySize', 'listen[0].limits.maxHeaderCount', 'listen[0].limits.bodyTimeout',
      'listen[1].acceptProxy[1]', 'listen[1].mergeSlashes', 'admin.allowedHosts[1]', 'admin',
    ]));
    expect(problems.find((p) => p.path === 'admin')!.message).toMatch(/clashes with listen\[0\]/);
  });

  it('reports every problem at once, each with its key path', () => {
    const { config, problems } = validate({
      listen: { port: 70000, limits: { maxHeaderSize: 'big' } },
      pools: {
        images: { scheduler: 'chb', backends: ['http://127.0.0.1:1'] },
        web: {
          scheduler: 'rr', hashKey: 'body',
          backends: ['not a url', { url: 'http://127.0.0.1:2', weight: -1 }, 'http://127.0.0.1:3', 'http://127.0.0.1:3/', 'ftp://x:1'],
        },
      },
      routes: [
        { match: { paht: '/x' }, pool: 'web' },
        { match: { path: '/[x' }, pool: 'nope' },
        { match: { headers: { 'x-a': 5 } }, pool: 'web' },
      ],
      extra: 1,
    });
    expect(config).toBeUndefined();
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['pools.images.scheduler']).toMatch(/unknown scheduler "chb"; expected one of rr/);
    expect(byPath['listen.port']).toMatch(/≤ 65535/);
    expect(byPath['listen.limits.maxHeaderSize']).toMatch(/integer/);
    expect(byPath['pools.web.hashKey']).toMatch(/'path', 'url'/);
    expect(byPath['pools.web.backends[0]']).toMatch(/bad URL "not a url"/);
    expect(byPath['pools.web.backends[1].weight']).toMatch(/≥ 0/);
    expect(byPath['pools.web.backends[3]']).toMatch(/duplicate backend 127\.0\.0\.1:3/);
    expect(byPath['pools.web.backends[4]']).toMatch(/scheme must be http or https/);
    expect(byPath['routes[0].match.paht']).toMatch(/unknown key/);
    expect(byPath['routes[1].pool']).toMatch(/pool "nope" is not defined/);
    expect(byPath['routes[1].match.path']).toMatch(/bad glob/);
    expect(byPath['routes[2].match.headers.x-a']).toMatch(/string, RegExp, true or false/);
    expect(byPath['(root).extra']).toMatch(/unknown key/);
    expect(problems.length).toBeGreaterThanOrEqual(13);
  });

  it('checks listeners, admin token, affinity and health keys', () => {
    expect(paths({ ...ok, admin: { token: 'short' } })).toContain('admin.token');
    expect(paths({ ...ok, affinity: { netmask: 129, store: 'mysql://x' } })).toEqual(['affinity.netmask', 'affinity.store']);
    expect(paths({ ...ok, listen: [{ port: 80 }, { port: 80 }] })).toEqual(['listen[1]']);
    expect(paths({ ...ok, listen: { port: 1, trustProxy: ['10.0.0.0/8', 'nope'] } })).toEqual(['listen.trustProxy[1]']);
    const bad = { ...ok, pools: { web: { ...ok.pools.web, health: { path: 'x', expect: 'abc', rise: 0 }, affinity: 'sticky' } } };
    expect(paths(bad).sort()).toEqual(['pools.web.affinity', 'pools.web.health.expect', 'pools.web.health.path', 'pools.web.health.rise']);
  });

  it('rejects unknown match fields and bad methods, accepts RegExp headers and queries', () => {
    expect(paths({ ...ok, routes: [{ match: { method: 'GE T' }, pool: 'web' }] })).toEqual(['routes[0].match.method']);
    expect(paths({ ...ok, routes: [{ match: { cookie: 'a' }, pool: 'web' }] })).toEqual(['routes[0].match.cookie']);
    expect(paths({ ...ok, routes: [{ match: { headers: { accept: /json/ }, query: { v: /^\d+$/ } }, pool: 'web' }] })).toEqual([]);
  });

  it('loads .ts, .mjs and .js files at run time; a bad file names the key and the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-cfg-'));
    const ts = join(dir, 'routes.config.ts');
    writeFileSync(ts, `const port: number = 9101;\nexport default { pools: { web: { scheduler: 'rr', backends: [\`http://127.0.0.1:\${port}\`] } }, routes: [{ pool: 'web' }] } satisfies Record<string, unknown>;\n`);
    expect((await loadConfig(ts)).pools.web!.backends[0]!.port).toBe(9101);
    const mjs = join(dir, 'c.mjs');
    writeFileSync(mjs, `export default { pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'web' }] };\n`);
    expect((await loadConfig(mjs)).routes).toHaveLength(1);
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, `export default { pools: { web: { scheduler: 'nope', backends: [] } }, routes: [{ pool: 'web' }] };\n`);
    await expect(loadConfig(bad)).rejects.toThrow(/pools\.web\.scheduler: unknown scheduler "nope"/);
    await expect(loadConfig(join(dir, 'missing.ts'))).rejects.toBeInstanceOf(ConfigError);
    const syntax = join(dir, 'syntax.ts');
    writeFileSync(syntax, `export default { pools: {`);
    await expect(loadConfig(syntax)).rejects.toThrow(/cannot load/);
  });
});
