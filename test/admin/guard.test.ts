// The admin's access decisions as pure functions (src/admin/guard.ts).
import { describe, expect, it } from 'vitest';
import { decide, hostName, isJson, ownOrigins, policyFor, type Ask } from '../../src/admin/guard.js';

const ask = (over: Partial<Ask> = {}): Ask => ({
  method: 'GET', target: '/api/status', host: '127.0.0.1:9090', origin: undefined, fetchSite: undefined,
  contentType: undefined, authorization: undefined, isPublic: false, ...over,
});
const status = (r: ReturnType<typeof decide>): number => r?.statusCode ?? 200;

describe('admin access decisions', () => {
  it('parses Host values', () => {
    expect(['localhost', 'LOCALHOST:9090', '[::1]:1', '[::1]', '127.0.0.1:65535', 'a-b.example'].map(hostName)).toEqual(['localhost', 'localhost', '::1', '::1', '127.0.0.1', 'a-b.example']);
    for (const bad of ['', 'a b', 'user@localhost', 'localhost:', 'localhost:123456', '::1', '[::1', 'host/x', 'localhost:80:80']) expect(hostName(bad), bad).toBeNull();
  });

  it('knows its own origins, with default ports dropped', () => {
    expect(ownOrigins('LocalHost:80')).toEqual(['http://localhost', 'https://localhost:80']);
    expect(ownOrigins('admin.test:443')).toEqual(['http://admin.test:443', 'https://admin.test']);
  });

  it('reads JSON content types only', () => {
    expect([isJson('application/json'), isJson('Application/JSON ; charset=utf-8'), isJson('text/plain'), isJson('application/json-seq'), isJson(undefined)]).toEqual([true, true, false, false, false]);
  });

  it('checks Host without a token, and with one unless bound beyond loopback with no allowedHosts', () => {
    expect(policyFor(undefined, '127.0.0.1').checkHost).toBe(true);
    expect(policyFor('t0123456789', '127.0.0.1').checkHost).toBe(true);
    expect(policyFor('t0123456789', '0.0.0.0').checkHost).toBe(false);
    expect(policyFor('t0123456789', '0.0.0.0', ['admin.test']).checkHost).toBe(true);
  });

  it('without a token: Host, Origin, Sec-Fetch-Site, then JSON for mutations', () => {
    const p = policyFor(undefined, '127.0.0.1', ['admin.test']);
    expect(status(decide(p, ask()))).toBe(200);
    expect(status(decide(p, ask({ host: 'admin.test:1' })))).toBe(200);
    expect(status(decide(p, ask({ host: 'evil.example' })))).toBe(403);
    expect(status(decide(p, ask({ host: undefined })))).toBe(400);
    expect(status(decide(p, ask({ target: 'http://evil.example/api/status' })))).toBe(403);
    expect(status(decide(p, ask({ target: 'http://[::1]:9/api/status' })))).toBe(200);
    expect(status(decide(p, ask({ origin: 'http://127.0.0.1:9090' })))).toBe(200);
    expect(status(decide(p, ask({ origin: 'http://127.0.0.1:9091' })))).toBe(403);
    expect(status(decide(p, ask({ origin: 'null' })))).toBe(403);
    expect(status(decide(p, ask({ fetchSite: 'cross-site' })))).toBe(403);
    expect(status(decide(p, ask({ fetchSite: 'cross-site', isPublic: true })))).toBe(200);
    expect(status(decide(p, ask({ fetchSite: 'same-origin' })))).toBe(200);
    expect(status(decide(p, ask({ method: 'DELETE' })))).toBe(415);
    expect(status(decide(p, ask({ method: 'POST', contentType: 'text/plain' })))).toBe(415);
    expect(status(decide(p, ask({ method: 'POST', contentType: 'application/json' })))).toBe(200);
    expect(status(decide(p, ask({ method: 'OPTIONS' })))).toBe(200);
  });

  it('with a token: every route but the public ones needs it, first', () => {
    const p = policyFor('t0123456789', '127.0.0.1');
    expect(status(decide(p, ask()))).toBe(401);
    expect(status(decide(p, ask({ host: 'evil.example' })))).toBe(401);
    expect(status(decide(p, ask({ authorization: 'Bearer t0123456789' })))).toBe(200);
    expect(status(decide(p, ask({ authorization: 'Bearer t0123456789', host: 'evil.example' })))).toBe(403);
    expect(status(decide(p, ask({ isPublic: true })))).toBe(200);
    expect(status(decide(p, ask({ isPublic: true, host: 'evil.example' })))).toBe(403);
    const open = policyFor('t0123456789', '0.0.0.0');
    expect(status(decide(open, ask({ authorization: 'Bearer t0123456789', host: 'evil.example' })))).toBe(200);
    expect(status(decide(open, ask({ authorization: 'Bearer t0123456789', host: 'evil.example', origin: 'http://other.example' })))).toBe(403);
  });
});
