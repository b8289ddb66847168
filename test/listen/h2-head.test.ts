// The HTTP/2 request head as the pipeline reads it (src/listen/h2-head.ts): pseudo-headers to the
// request line and Host, connection-specific fields refused, Cookie fields joined.
import { describe, expect, it } from 'vitest';
import { h2Head } from '../../src/listen/h2-head.js';
import { countReset, MAX_RESETS, RESET_WINDOW_MS } from '../../src/listen/h2.js';

const base = [':method', 'GET', ':scheme', 'https', ':path', '/a?b=1', ':authority', 'Example.test:8443'];

describe('h2Head', () => {
  it('maps :method, :path and :authority to an HTTP/1.1 head with Host first', () => {
    const h = h2Head([...base, 'accept', 'text/html', 'x-a', '1', 'x-a', '2']);
    expect(h).toMatchObject({ method: 'GET', url: '/a?b=1', httpVersionMajor: 1, httpVersionMinor: 1 });
    if (typeof h === 'string') throw new Error(h);
    expect(h.rawHeaders).toEqual(['host', 'Example.test:8443', 'accept', 'text/html', 'x-a', '1', 'x-a', '2']);
    expect(h.headers).toMatchObject({ host: 'Example.test:8443', accept: 'text/html', 'x-a': '1, 2' });
    expect(Object.keys(h.headers).some((k) => k.startsWith(':'))).toBe(false);
  });

  it('refuses connection-specific fields and TE other than trailers', () => {
    for (const [n, v] of [['connection', 'close'], ['keep-alive', '5'], ['proxy-connection', 'x'], ['transfer-encoding', 'chunked'], ['upgrade', 'h2c'], ['te', 'gzip']]) {
      expect(h2Head([...base, n!, v!]), n).toMatch(/not allowed/);
    }
    expect(typeof h2Head([...base, 'te', 'trailers'])).toBe('object');
  });

  it('takes Host when :authority is missing; refuses a Host that differs from :authority', () => {
    const h = h2Head([':method', 'GET', ':path', '/', 'host', 'h.test']);
    expect(typeof h === 'object' && h.headers.host).toBe('h.test');
    expect(h2Head([...base, 'host', 'other.test'])).toBe(':authority and Host differ');
    expect(typeof h2Head([...base, 'host', 'example.test:8443'])).toBe('object');
  });

  it('joins split Cookie fields with "; "', () => {
    const h = h2Head([...base, 'cookie', 'a=1', 'x', 'y', 'cookie', 'b=2']);
    if (typeof h === 'string') throw new Error(h);
    expect(h.headers.cookie).toBe('a=1; b=2');
    expect(h.rawHeaders.filter((x) => x === 'cookie')).toHaveLength(1);
  });

  it('refuses CONNECT, a missing :path or :method, and unknown pseudo-headers', () => {
    expect(h2Head([':method', 'CONNECT', ':authority', 'a.test:443'])).toMatch(/CONNECT/);
    expect(h2Head([':method', 'GET', ':authority', 'a.test'])).toBe('missing :path');
    expect(h2Head([':path', '/', ':authority', 'a.test'])).toBe('missing :method');
    expect(h2Head([...base, ':protocol', 'websocket'])).toMatch(/pseudo-header/);
  });
});

describe('countReset', () => {
  it(`allows ${MAX_RESETS} cancelled streams per ${RESET_WINDOW_MS} ms window, not one more`, () => {
    const c = { open: 0, windowStart: 0, resets: 0, cut: false };
    for (let i = 0; i < MAX_RESETS; i++) expect(countReset(c, 1000 + i)).toBe(false);
    expect(countReset(c, 1500)).toBe(true);
    // a new window starts over
    const d = { open: 0, windowStart: 0, resets: 0, cut: false };
    for (let i = 0; i < MAX_RESETS; i++) countReset(d, 1000);
    expect(countReset(d, 1000 + RESET_WINDOW_MS)).toBe(false);
  });
});
