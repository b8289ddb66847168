// `rateLimit` and `requestId` in the config (src/config/schema.ts, src/config/rate-limit.ts):
// defaults filled, bad values named by key path, `shared` only with a redis store.
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/cli/check.js';
import { validate } from '../../src/config/validate.js';

const base = { pools: { web: { backends: ['http://127.0.0.1:9'] } } };

describe('rateLimit and requestId config', () => {
  it('fills defaults: burst = rate (at least 1), per second, key client; header names lower-cased; requestId on', () => {
    const { config } = validate({ ...base, routes: [
      { name: 'a', pool: 'web', rateLimit: { rate: 0.5 } },
      { name: 'b', pool: 'web', rateLimit: { rate: 30, per: 'minute', burst: 5, key: 'header:X-Api-Key' } },
      { name: 'c', pool: 'web' },
    ] });
    expect(config!.routes[0]!.rateLimit).toEqual({ rate: 0.5, per: 'second', burst: 1, key: 'client', shared: false });
    expect(config!.routes[1]!.rateLimit).toEqual({ rate: 30, per: 'minute', burst: 5, key: 'header:x-api-key', shared: false });
    expect(config!.routes[2]!.rateLimit).toBeUndefined();
    expect(config!.requestId).toEqual({ header: 'x-request-id' });
    expect(validate({ ...base, routes: [], requestId: false }).config!.requestId).toBe(false);
    expect(validate({ ...base, routes: [], requestId: { header: 'X-Trace' } }).config!.requestId).toEqual({ header: 'x-trace' });
  });

  it('names each bad key', () => {
    const { problems } = validate({ ...base, requestId: { header: 'bad header' }, routes: [
      { pool: 'web', rateLimit: { rate: 0 } },
      { pool: 'web', rateLimit: { rate: 1, per: 'hour', key: 'cookie:x', burst: 0 } },
      { pool: 'web', rateLimit: { rate: 1, shared: true } },
    ] });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining([
      'requestId.header', 'routes[0].rateLimit.rate', 'routes[1].rateLimit.per', 'routes[1].rateLimit.key', 'routes[1].rateLimit.burst', 'routes[2].rateLimit.shared',
    ]));
    expect(problems.find((p) => p.path === 'routes[2].rateLimit.shared')!.message).toMatch(/redis/);
    expect(validate({ ...base, affinity: { store: 'redis://127.0.0.1:6379' }, routes: [{ pool: 'web', rateLimit: { rate: 1, shared: true } }] }).problems).toEqual([]);
  });

  it('check prints a route\'s rate limit on its details line, after any rewrite', () => {
    const { config } = validate({ ...base, affinity: { store: 'redis://127.0.0.1:6379' }, routes: [
      { name: 'login', match: { path: '/login' }, pool: 'web', rateLimit: { rate: 5, per: 'minute', burst: 2, key: 'header:X-Api-Key', shared: true } },
      { name: 'api', match: { path: '/api/**' }, pool: 'web', rewrite: { stripPrefix: '/api' }, rateLimit: { rate: 10 } },
      { name: 'rest', pool: 'web' },
    ] });
    const text = describeConfig(config!);
    expect(text).toMatch(/1\. login\s+→ web\s+path ~ \/login\n\s+rateLimit 5\/min burst 2 by header:x-api-key \(shared\)\n/);
    expect(text).toMatch(/2\. api\s+→ web\s+path ~ \/api\/\*\*\n\s+rewrite strip \/api; rateLimit 10\/s burst 10 by client\n/);
    expect(text).toMatch(/3\. rest\s+→ web\s+any request\n\nPools:/);
  });
});
