// Access records as log output (src/log/access.ts) and the JSON access log as a replay source
// (src/sim/json-log.ts): what one writes, the other reads back.
import { describe, expect, it } from 'vitest';
import { accessFields, clfTime, combinedLine, resolveFormat } from '../../src/log/access.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { parseClfLine } from '../../src/sim/clf.js';
import { parseJsonLine } from '../../src/sim/json-log.js';

const rec: AccessRecord = {
  method: 'GET', path: '/img/7.png', status: 200, route: 'images', pool: 'img', backend: '127.0.0.1:9201',
  clientIp: '10.1.2.3', ms: 12.345678, attempts: 1, error: undefined, bytesIn: 0, bytesOut: 4096, upstreamMs: 10.0049,
  userAgent: 'curl/8.5', referer: 'https://example.test/',
};

describe('access log formats', () => {
  it('defaults: pretty on a terminal, JSON otherwise; a configured format wins', () => {
    expect(resolveFormat(undefined, true)).toBe('pretty');
    expect(resolveFormat(undefined, false)).toBe('json');
    expect(resolveFormat('combined', true)).toBe('combined');
    expect(resolveFormat('pretty', false)).toBe('pretty');
  });

  it('CLF time is UTC with a +0000 offset', () => {
    expect(clfTime(Date.UTC(2026, 11, 6, 3, 4, 5, 678))).toBe('06/Dec/2026:03:04:05 +0000');
  });

  it('combined line: fields in NCSA order, parsed back to the same request', () => {
    const at = Date.UTC(2026, 0, 2, 10, 0, 0);
    const line = combinedLine(rec, at);
    expect(line).toBe('10.1.2.3 - - [02/Jan/2026:10:00:00 +0000] "GET /img/7.png" 200 4096 "https://example.test/" "curl/8.5"\n');
    expect(parseClfLine(line.trimEnd())).toEqual({ host: '10.1.2.3', time: at, method: 'GET', path: '/img/7.png', status: 200, bytes: 4096 });
  });

  it('combined line: quotes, backslashes and control characters cannot break the line; absent values are "-"', () => {
    const line = combinedLine({ ...rec, userAgent: 'a "b" \\ c\nd', referer: undefined, bytesOut: 0 }, 0);
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain(' 200 - "-" "a \\"b\\" \\\\ c\\x0ad"\n');
    expect(typeof parseClfLine(line.trimEnd())).toBe('object');
  });

  it('JSON record: times rounded to 0.01 ms, every other field kept', () => {
    const f = accessFields(rec);
    expect(f).toEqual({ ...rec, ms: 12.35, upstreamMs: 10 });
    expect(accessFields({ ...rec, upstreamMs: undefined }).upstreamMs).toBeUndefined();
  });
});

describe('the JSON access log read back (simulate --log)', () => {
  it('an access record becomes an entry: client, time, method, path, status, bytes out', () => {
    const line = JSON.stringify({ level: 30, time: 1_700_000_000_123, pid: 1, hostname: 'h', ...accessFields(rec), msg: 'request' });
    expect(parseJsonLine(line)).toEqual({ host: '10.1.2.3', time: 1_700_000_000_123, method: 'GET', path: '/img/7.png', status: 200, bytes: 4096 });
  });

  it('other records are skipped (null); broken ones say why', () => {
    expect(parseJsonLine('{"level":30,"time":1,"msg":"config reloaded"}')).toBeNull();
    expect(parseJsonLine('{"msg":"request"')).toBe('not JSON');
    expect(parseJsonLine('[1]')).toBe('not a JSON object');
    expect(parseJsonLine('{"msg":"request","method":"GET","time":1}')).toBe('access record without method or path');
    expect(parseJsonLine('{"msg":"request","method":"GET","path":"/"}')).toBe('access record without a time');
  });
});
