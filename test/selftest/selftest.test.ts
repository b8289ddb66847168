// `switchyard selftest` as a library (src/selftest/run.ts): the corpus through a config's
// listeners into capture backends, judged by the generic rules; weakened configs are caught.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, securityConfig } from '../../src/selftest/corpus.js';
import { selftest, type ListenerReport } from '../../src/selftest/run.js';
import { judgeGeneric } from '../../src/selftest/verdict.js';
import type { Captured } from '../../src/selftest/capture.js';
import { makeCerts } from '../helpers.js';

const corpusConfig = (listen: Record<string, unknown>[]) => ({
  ...securityConfig('http://127.0.0.1:1', 'http://127.0.0.1:2'), listen, admin: false, log: { level: 'silent' },
});
const loopback = (more: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: 0, ...more });
const pick = (...names: string[]) => CASES.filter((c) => names.includes(c.name));
const verdictOf = (l: ListenerReport, name: string) => l.cases.find((c) => c.name === name)!;

const SPOOF = 'client-supplied forwarding headers from an untrusted peer';
const SLASHES = '//admin/x (slashes merged)';

describe('switchyard selftest', () => {
  it("passes on the corpus's own config, and each generic verdict agrees with the case's expectation", async () => {
    const r = await selftest(corpusConfig([loopback()]), 'corpus');
    expect(r.ok).toBe(true);
    expect(r.listeners).toHaveLength(1);
    const l = r.listeners[0]!;
    expect(l.cases).toHaveLength(CASES.length);
    const disagree = CASES.filter((c, i) => l.cases[i]!.verdict !== ('refused' in c.expect ? 'refused' : 'intact')).map((c) => c.name);
    expect(disagree).toEqual([]);
    expect(l.counts.refused + l.counts.intact).toBe(CASES.length);
  });

  it('catches acceptProxy: true with trustProxy: a client names a trusted source and its own X-Forwarded-For arrives', async () => {
    const cases = pick(SPOOF, 'plain GET to public');
    const weak = await selftest(corpusConfig([loopback({ acceptProxy: true, trustProxy: ['10.0.0.0/8'] }), loopback({ trustProxy: ['10.0.0.0/8'] })]), 'weak', { cases });
    expect(weak.ok).toBe(false);
    const [open, plain] = weak.listeners as [ListenerReport, ListenerReport];
    const spoofed = verdictOf(open, SPOOF);
    expect(spoofed.verdict).toBe('spoofed');
    expect(spoofed.problems.join('\n')).toMatch(/10\.9\.9\.9 arrived in x-forwarded-for: "10\.9\.9\.9, 10\.0\.0\.0"/);
    expect(verdictOf(open, 'plain GET to public').verdict).toBe('intact');
    // the same trust without acceptProxy: the selftest (127.0.0.1) is not trusted, nothing spoofed
    expect(verdictOf(plain, SPOOF).verdict).toBe('intact');
    expect(plain.counts.spoofed).toBe(0);
  });

  it('catches mergeSlashes: false: //admin/x reaches pool public while a backend reads /admin/x', async () => {
    const cases = pick(SLASHES, '/admin/./x');
    const r = await selftest(corpusConfig([loopback({ mergeSlashes: false }), loopback()]), 'slashes', { cases });
    expect(r.ok).toBe(false);
    const [weak, strict] = r.listeners as [ListenerReport, ListenerReport];
    expect(verdictOf(weak, SLASHES).verdict).toBe('misrouted');
    expect(verdictOf(weak, SLASHES).problems[0]).toMatch(/"GET \/\/admin\/x HTTP\/1\.1" reached pool public .*pool admin/);
    expect(verdictOf(weak, '/admin/./x').verdict).toBe('intact');
    expect(strict.counts).toEqual({ refused: 0, intact: 2, desync: 0, misrouted: 0, spoofed: 0 });
  });

  it('speaks TLS to a tls listener, and skips a listener whose acceptProxy list leaves out 127.0.0.1', async () => {
    const certs = makeCerts();
    const dir = mkdtempSync(join(tmpdir(), 'sy-selftest-'));
    writeFileSync(join(dir, 'cert.pem'), certs.signed.cert);
    writeFileSync(join(dir, 'key.pem'), certs.signed.key);
    const cases = pick('plain GET to admin', 'CL+TE');
    const r = await selftest(corpusConfig([
      loopback({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } }),
      loopback({ acceptProxy: ['10.0.0.0/8'] }),
    ]), 'tls', { cases });
    const [tls, closed] = r.listeners as [ListenerReport, ListenerReport];
    expect(tls.listener).toBe('127.0.0.1:0 (tls)');
    expect(tls.counts).toMatchObject({ refused: 1, intact: 1 });
    expect(closed.skipped).toMatch(/acceptProxy/);
    expect(r.ok).toBe(true);
  });
});

describe('generic verdicts', () => {
  const arrival = (line: string, pool: string): Captured => {
    const [method, target] = line.split(' ') as [string, string];
    return { pool, requestLine: line, method, target, headers: [['host', 'a.example']], head: line, body: Buffer.alloc(0), at: 0, answeredAt: 0, conn: 1 };
  };
  const conv = { responses: [], interim: [], closed: true, raw: Buffer.alloc(0) };
  const routeOf = (r: Captured) => ({ pool: r.target.startsWith('/admin/') ? 'admin' : 'public', error: undefined });
  const clte = CASES.find((c) => c.name === 'CL+TE')!;

  it('one request arriving as two, or a refused one leaking bytes upstream, is a desync', () => {
    const two = judgeGeneric(clte, { conv, arrived: [arrival('POST /public/p HTTP/1.1', 'public'), arrival('GET /admin/x HTTP/1.1', 'admin')], bytes: 90, errors: [] }, routeOf, true);
    expect(two.verdict).toBe('desync');
    expect(two.problems).toContain('2 requests arrived upstream for 1 sent');
    const leak = judgeGeneric(clte, { conv, arrived: [], bytes: 40, errors: [] }, routeOf, true);
    expect(leak.verdict).toBe('desync');
    expect(judgeGeneric(clte, { conv, arrived: [], bytes: 0, errors: [] }, routeOf, true).verdict).toBe('refused');
  });
});
