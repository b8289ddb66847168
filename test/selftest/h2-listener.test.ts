// `switchyard selftest` on `http2: true` listeners (src/selftest/run.ts): the corpus is HTTP/1.1
// bytes, and such a listener takes HTTP/1.1 beside HTTP/2 (cleartext: no h2c preface; TLS: no ALPN
// h2), so its HTTP/1.1 side is tested, not skipped or refused wholesale (docs/security.md).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, securityConfig } from '../../src/selftest/corpus.js';
import { selftest, type ListenerReport } from '../../src/selftest/run.js';
import { makeCerts } from '../helpers.js';

describe('switchyard selftest on http2 listeners', () => {
  it('sends the corpus over HTTP/1.1 to a cleartext and a TLS http2 listener and judges it', async () => {
    const certs = makeCerts();
    const dir = mkdtempSync(join(tmpdir(), 'sy-selftest-h2-'));
    writeFileSync(join(dir, 'cert.pem'), certs.signed.cert);
    writeFileSync(join(dir, 'key.pem'), certs.signed.key);
    const cases = CASES.filter((c) => ['plain GET to admin', 'CL+TE', '//admin/x (slashes merged)'].includes(c.name));
    expect(cases).toHaveLength(3);
    const listen = [
      { host: '127.0.0.1', port: 0, http2: true },
      { host: '127.0.0.1', port: 0, http2: true, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
    ];
    const r = await selftest({ ...securityConfig('http://127.0.0.1:1', 'http://127.0.0.1:2'), listen, admin: false, log: { level: 'silent' } }, 'h2', { cases });
    expect(r.ok).toBe(true);
    for (const l of r.listeners as ListenerReport[]) {
      expect(l.skipped).toBeUndefined();
      expect(l.counts).toEqual({ refused: 1, intact: 2, desync: 0, misrouted: 0, spoofed: 0 });
      expect(l.cases.find((c) => c.name === 'CL+TE')!.verdict).toBe('refused');
    }
    expect(r.listeners.map((l) => l.listener)).toEqual(['127.0.0.1:0', '127.0.0.1:0 (tls)']);
  });
});
