// Reading certificates and choosing one by SNI (src/listen/certs.ts), and the `listen.tls` keys
// as validate.ts takes them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../src/config/validate.js';
import { nameCovers, pickCert, readCerts } from '../../src/listen/certs.js';
import { startRouter } from '../helpers.js';
import { makePki, type Leaf, type Pki } from './pki.js';

let pki: Pki;
let a: Leaf, wild: Leaf, expired: Leaf;

beforeAll(() => {
  pki = makePki();
  a = pki.leaf('a', ['a.test', 'www.a.test']);
  wild = pki.leaf('wild', ['*.w.test']);
  expired = pki.leaf('expired', ['old.test'], -1);
});
afterAll(() => pki?.remove());

describe('pickCert', () => {
  const names = [['a.test'], ['b.test', 'www.b.test'], ['*.w.test'], ['x.w.test']];
  it('an exact name wins over a wildcard; a wildcard covers one label; otherwise the first', () => {
    expect(pickCert(names, 'b.test')).toBe(1);
    expect(pickCert(names, 'WWW.B.Test.')).toBe(1);
    expect(pickCert(names, 'x.w.test')).toBe(3);
    expect(pickCert(names, 'y.w.test')).toBe(2);
    expect(pickCert(names, 'z.y.w.test')).toBe(0);
    expect(pickCert(names, 'w.test')).toBe(0);
    expect(pickCert(names, 'nothing.test')).toBe(0);
  });
  it('nameCovers', () => {
    expect(nameCovers('*.w.test', 'a.w.test')).toBe(true);
    expect(nameCovers('*.w.test', '.w.test')).toBe(false);
    expect(nameCovers('*.w.test', 'aw.test')).toBe(false);
  });
});

describe('readCerts', () => {
  it('names (subjectAltName DNS), expiry and serial of each certificate, the expired one included', () => {
    const r = readCerts({ certs: [{ ...a, at: 'listen.tls.certs[0]' }, { ...wild, at: 'listen.tls.certs[1]' }, { ...expired, at: 'listen.tls.certs[2]' }], minVersion: 'TLSv1.2' });
    expect(r.problems).toEqual([]);
    const infos = r.set!.entries.map((e) => e.info);
    expect(infos.map((i) => i.names)).toEqual([['a.test', 'www.a.test'], ['*.w.test'], ['old.test']]);
    expect(infos.map((i) => i.serial)).toEqual([a.serial, wild.serial, expired.serial]);
    const day = 86_400_000;
    expect(Date.parse(infos[0]!.notAfter) - Date.now()).toBeGreaterThan(day);
    expect(Date.parse(infos[2]!.notAfter)).toBeLessThan(Date.now());
  });

  it('every bad file is reported at its own key path, and no set is made', () => {
    const garbage = join(pki.dir, 'garbage.pem');
    writeFileSync(garbage, '-----BEGIN NOTHING-----\n');
    const r = readCerts({ minVersion: 'TLSv1.2', certs: [
      { cert: a.cert, key: wild.key, at: 'listen.tls.certs[0]' },
      { cert: garbage, key: a.key, at: 'listen.tls.certs[1]' },
      { cert: a.cert, key: garbage, at: 'listen.tls.certs[2]' },
      { cert: join(pki.dir, 'nope.crt'), key: a.key, at: 'listen.tls.certs[3]' },
    ] });
    expect(r.set).toBeUndefined();
    expect(r.problems.map((p) => p.path)).toEqual(['listen.tls.certs[0].key', 'listen.tls.certs[1].cert', 'listen.tls.certs[2].key', 'listen.tls.certs[3].cert']);
    expect(r.problems[0]!.message).toContain('does not match');
    expect(r.problems[3]!.message).toContain('ENOENT');
  });
});

describe('listen.tls in the config', () => {
  const base = { pools: { p: { backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'p' }] };
  it('{ cert, key } and { certs } normalise to a list; minVersion defaults to TLSv1.2', () => {
    const one = validate({ ...base, listen: { tls: { cert: 'c.pem', key: 'k.pem' } } });
    expect(one.config!.listen[0]!.tls).toEqual({ certs: [{ cert: 'c.pem', key: 'k.pem', at: 'listen.tls' }], minVersion: 'TLSv1.2' });
    const many = validate({ ...base, listen: [{ port: 1 }, { port: 2, tls: { certs: [{ cert: 'c', key: 'k' }, { cert: 'c2', key: 'k2' }], minVersion: 'TLSv1.3' } }] });
    expect(many.config!.listen[1]!.tls!.certs.map((c) => c.at)).toEqual(['listen[1].tls.certs[0]', 'listen[1].tls.certs[1]']);
    expect(many.config!.listen[1]!.tls!.minVersion).toBe('TLSv1.3');
  });
  it('refuses half pairs, both forms at once, old versions, redirect with tls, hsts without tls', () => {
    const paths = (listen: unknown) => validate({ ...base, listen }).problems.map((p) => p.path);
    expect(paths({ tls: { cert: 'c' } })).toEqual(['listen.tls']);
    expect(paths({ tls: { cert: 'c', key: 'k', certs: [{ cert: 'c', key: 'k' }] } })).toEqual(['listen.tls']);
    expect(paths({ tls: { certs: [{ cert: 'c' }] } })).toEqual(['listen.tls.certs[0].key']);
    expect(paths({ tls: { cert: 'c', key: 'k', minVersion: 'TLSv1.1' } })).toEqual(['listen.tls.minVersion']);
    expect(paths({ tls: { cert: 'c', key: 'k' }, redirectHttps: 443 })).toEqual(['listen.redirectHttps']);
    expect(paths({ hsts: { maxAge: 60 } })).toEqual(['listen.hsts']);
    expect(validate({ ...base, tcp: [{ listen: { tls: { cert: 'c', key: 'k' } }, pool: 'p' }] }).problems.map((p) => p.path)).toContain('tcp[0].listen.tls');
  });
});

describe('a TLS listener at start', () => {
  it('a bad key refuses to start, naming its key path', async () => {
    await expect(startRouter({
      listen: { host: '127.0.0.1', port: 0, tls: { certs: [{ cert: a.cert, key: a.key }, { cert: wild.cert, key: a.key }] } },
      pools: { p: { backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'p' }],
    })).rejects.toThrow(/listen\.tls\.certs\[1\]\.key: .* does not match/);
  });
});
