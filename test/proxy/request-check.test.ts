import { describe, expect, it } from 'vitest';
import { checkRequest, validHost } from '../../src/proxy/request-check.js';

const ok = (raw: string[], major = 1, minor = 1, max = 100) => checkRequest(major, minor, raw, max);

describe('checkRequest', () => {
  it('accepts an ordinary 1.1 and 1.0 request', () => {
    expect(ok(['Host', 'example.com', 'Accept', '*/*', 'Connection', 'keep-alive'])).toBeUndefined();
    expect(ok(['Host', 'example.com:8080', 'Transfer-Encoding', 'chunked'])).toBeUndefined();
    expect(ok([], 1, 0)).toBeUndefined();
    expect(ok(['host', '[::1]:80'], 1, 0)).toBeUndefined();
  });

  it('refuses every version but 1.0 and 1.1 with 400', () => {
    for (const [maj, min] of [[0, 9], [2, 0], [1, 2], [3, 0], [0, 0]] as const) {
      expect(ok(['Host', 'a'], maj, min)).toEqual({ status: 400, code: 'SY_ERR_BAD_VERSION', detail: `HTTP/${maj}.${min}` });
    }
  });

  it('answers 431 past maxHeaderCount fields, not at it', () => {
    const raw = (n: number) => ['Host', 'a', ...Array.from({ length: n - 1 }, (_, i) => [`x-h${i}`, 'v']).flat()];
    expect(ok(raw(100))).toBeUndefined();
    expect(ok(raw(101))).toMatchObject({ status: 431, code: 'SY_ERR_TOO_MANY_HEADERS' });
    expect(checkRequest(1, 1, raw(4), 3)).toMatchObject({ status: 431 });
    expect(checkRequest(1, 1, raw(3), 3)).toBeUndefined();
  });

  it('Host: missing on 1.1, duplicated or invalid is 400', () => {
    expect(ok([])).toMatchObject({ status: 400, code: 'SY_ERR_BAD_HOST', detail: 'missing Host' });
    expect(ok(['Host', 'a', 'host', 'a'])).toMatchObject({ status: 400, code: 'SY_ERR_BAD_HOST', detail: 'duplicate Host' });
    expect(ok(['Host', 'a', 'Host', 'b'], 1, 0)).toMatchObject({ detail: 'duplicate Host' });
    for (const h of ['', 'a b', 'a/b', 'a@b', 'a:', 'a:x', 'a:65536', 'a:123456', '[::1', '[zz::1]', 'a..b', '.a', 'a%2fb', 'a;b', 'a,b', '[::1]x']) {
      expect(ok(['Host', h]), h).toMatchObject({ status: 400, code: 'SY_ERR_BAD_HOST', detail: 'invalid Host' });
    }
  });

  it('refuses a Connection header that names Host', () => {
    expect(ok(['Host', 'a', 'Connection', 'host'])).toMatchObject({ status: 400, detail: 'Connection lists Host' });
    expect(ok(['Host', 'a', 'Connection', 'keep-alive, HOST '])).toMatchObject({ status: 400 });
    expect(ok(['Host', 'a', 'connection', 'close', 'Connection', 'x-host, hostname'])).toBeUndefined();
  });

  it('keeps the framing checks: duplicate or conflicting lengths, unknown codings', () => {
    expect(ok(['Host', 'a', 'Content-Length', '1', 'content-length', '1'])).toMatchObject({ status: 400, code: 'SY_ERR_BAD_REQUEST', detail: 'duplicate Content-Length' });
    expect(ok(['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'])).toMatchObject({ detail: 'duplicate Transfer-Encoding' });
    expect(ok(['Host', 'a', 'Content-Length', '1', 'Transfer-Encoding', 'chunked'])).toMatchObject({ detail: 'Content-Length with Transfer-Encoding' });
    expect(ok(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked'])).toMatchObject({ detail: 'unsupported Transfer-Encoding' });
  });
});

describe('validHost', () => {
  it('accepts names, IPv4, bracketed IPv6, with a port', () => {
    for (const h of ['a', 'example.com', 'example.com.', 'my_host.internal', 'xn--bcher-kva.example', '10.0.0.1:65535', '[::1]', '[2001:db8::1]:8443', '[::ffff:1.2.3.4]', 'a:0']) {
      expect(validHost(h), h).toBe(true);
    }
  });
  it('refuses labels over 63 characters and names over 254', () => {
    expect(validHost('a'.repeat(63) + '.b')).toBe(true);
    expect(validHost('a'.repeat(64) + '.b')).toBe(false);
    expect(validHost(Array.from({ length: 60 }, () => 'abcd').join('.'))).toBe(false);
  });
});

describe('absolute-form targets', () => {
  const raw = ['Host', 'a.example'];
  it('are refused when they name another host than Host', () => {
    expect(checkRequest(1, 1, raw, 100, 'http://evil.example/admin')?.code).toBe('SY_ERR_BAD_HOST');
    expect(checkRequest(1, 1, raw, 100, 'http://a.example:8080/x')?.code).toBe('SY_ERR_BAD_HOST');
  });
  it('pass when they name the Host (any case)', () => {
    expect(checkRequest(1, 1, raw, 100, 'http://A.Example/x')).toBeUndefined();
    expect(checkRequest(1, 1, raw, 100, '/x')).toBeUndefined();
    expect(checkRequest(1, 1, raw, 100, '*')).toBeUndefined();
  });
});
