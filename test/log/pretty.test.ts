// The pretty access line (src/log/access.ts PRETTY_REQUEST through pino-pretty, as src/log/logs.ts
// uses it): a request served by a fallback pool names the pool it fell back from (issue 15).
import { prettyFactory } from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { accessFields, PRETTY_REQUEST } from '../../src/log/access.js';
import type { AccessRecord } from '../../src/proxy/records.js';

const pretty = prettyFactory({ colorize: false, translateTime: false, ignore: 'pid,hostname,time,level', messageFormat: PRETTY_REQUEST, hideObject: true });
const line = (r: AccessRecord) => pretty(JSON.stringify({ level: 30, ...accessFields(r), msg: 'request' })).trim();

const rec: AccessRecord = {
  method: 'GET', path: '/a', status: 200, route: 'all', pool: 'spare', backend: '127.0.0.1:9301',
  clientIp: '127.0.0.1', ms: 1.234, attempts: 1, error: undefined, bytesIn: 0, bytesOut: 2,
};

describe('pretty access line', () => {
  it('names the pool a fallback came from; a plain request has no such part', () => {
    expect(line({ ...rec, fallbackFrom: 'web' })).toBe('GET /a 200 1.23 ms → spare (fallback from web) 127.0.0.1:9301');
    expect(line(rec)).toBe('GET /a 200 1.23 ms → spare 127.0.0.1:9301');
  });
});
