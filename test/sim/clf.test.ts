import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrivalTimes, describeMalformed, parseClf, parseClfLine, parseClfTime, readClf } from '../../src/sim/clf.js';

const opts = { timing: false, speed: 1, defaultSize: 1000 };

describe('Common/Combined Log Format', () => {
  it('parses a Common Log Format line', () => {
    const e = parseClfLine('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326');
    expect(e).toEqual({ host: '127.0.0.1', time: Date.UTC(2000, 9, 10, 20, 55, 36), method: 'GET', path: '/apache_pb.gif', status: 200, bytes: 2326 });
  });

  it('parses a Combined line, drops the query, strips an absolute URL and keeps escaped quotes', () => {
    const e = parseClfLine('10.1.2.3 - - [01/Jan/2024:00:00:00 +0000] "GET http://example.com/img/a.png?v=2 HTTP/1.1" 304 - "http://ref/\\"x\\"" "Mozilla/5.0 (X11)"');
    expect(e).toMatchObject({ host: '10.1.2.3', path: '/img/a.png', status: 304, bytes: undefined, time: Date.UTC(2024, 0, 1) });
    const q = parseClfLine('h - - [01/Jan/2024:00:00:00 +0000] "GET /say?q=\\"hi\\" HTTP/1.1" 200 5');
    expect(q).toMatchObject({ path: '/say', bytes: 5 });
    const http09 = parseClfLine('h - - [01/Jan/2024:00:00:00 +0000] "GET /old" 200 10');
    expect(http09).toMatchObject({ method: 'GET', path: '/old' });
  });

  it('parses timestamps with their zone offset', () => {
    expect(parseClfTime('01/Feb/2024:12:00:00 +0130')).toBe(Date.UTC(2024, 1, 1, 10, 30));
    expect(parseClfTime('01/Foo/2024:12:00:00 +0000')).toBeUndefined();
    expect(parseClfTime('2024-02-01T12:00:00Z')).toBeUndefined();
  });

  it('names what is wrong with a malformed line', () => {
    expect(parseClfLine('garbage')).toBe('not Common/Combined Log Format');
    expect(parseClfLine('h - - [99/Xyz/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1')).toMatch(/bad timestamp/);
    expect(parseClfLine('h - - [01/Jan/2024:00:00:00 +0000] "" 400 0')).toMatch(/bad request line/);
    expect(parseClfLine('h - - [01/Jan/2024:00:00:00 +0000] "GET nope HTTP/1.1" 400 0')).toMatch(/bad request target/);
    expect(parseClfLine('h - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200')).toBe('not Common/Combined Log Format');
  });

  it('counts and skips malformed lines, with a clear message', () => {
    const text = [
      '1.1.1.1 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 100',
      'this is not a log line',
      '1.1.1.2 - - [01/Jan/2024:00:00:01 +0000] "GET /b?x=1 HTTP/1.1" 200 50 "-" "curl/8"',
      '',
      '1.1.1.1 - - [01/Jan/2024:00:00:01 +0000] "GET /a HTTP/1.1" 200 300',
      '1.1.1.1 - - [bad] "GET /c HTTP/1.1" 200 1',
      '1.1.1.3 - - [01/Jan/2024:00:00:02 +0000] "HEAD /d HTTP/1.1" 200 -\r',
    ].join('\n');
    const r = parseClf(text, 'access.log', opts);
    expect(r.lines).toBe(6);
    expect(r.malformed).toBe(2);
    expect(r.problems).toEqual([{ line: 2, reason: 'not Common/Combined Log Format' }, { line: 5, reason: 'bad timestamp [bad]' }]);
    const w = r.workload;
    expect(w.keys).toEqual(['/a', '/b', '/d']);
    expect([...w.stream]).toEqual([0, 1, 0, 2]);
    expect([...w.sizes]).toEqual([300, 50, 1000]); // largest logged size; '-' only → defaultSize
    expect(w.clientIps).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3']);
    expect([...w.clients]).toEqual([0, 1, 0, 2]);
    expect(w.arrivals).toBeUndefined();
    expect(w.info.malformedLines).toBe(2);
    expect(describeMalformed(r, 'access.log')).toBe(
      'access.log: skipped 2 malformed lines of 6 (line 2: not Common/Combined Log Format; line 5: bad timestamp [bad])',
    );
    expect(describeMalformed(parseClf(text.split('\n')[0]!, 'x', opts), 'x')).toBeUndefined();
  });

  it('models the request rate from the logged times: spread within each second, never backwards, scaled by speed', () => {
    const s = 1_700_000_000_000;
    expect([...arrivalTimes([s, s, s, s + 1000, s + 3000, s + 2000], 1)]).toEqual([0, 1000 / 3, 2000 / 3, 1000, 3000, 3500]);
    expect([...arrivalTimes([s, s + 1000], 2)]).toEqual([0, 500]);
    const text = [0, 0, 1].map((k) => `h - - [01/Jan/2024:00:00:0${k} +0000] "GET /x HTTP/1.1" 200 1`).join('\n');
    expect([...parseClf(text, 'l', { ...opts, timing: true }).workload.arrivals!]).toEqual([0, 500, 1000]);
  });

  it('reads a file and honours a request limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clf-'));
    const file = join(dir, 'access.log');
    writeFileSync(file, Array.from({ length: 10 }, (_, i) => `h - - [01/Jan/2024:00:00:00 +0000] "GET /p${i} HTTP/1.1" 200 10`).join('\n') + '\n');
    expect(readClf(file, opts).workload.stream.length).toBe(10);
    expect(readClf(file, { ...opts, limit: 4 }).workload.stream.length).toBe(4);
  });
});
