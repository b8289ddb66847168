// GET /api/certificates (docs/admin.md): each certificate a TLS listener serves, with its names,
// expiry, serial, file and config key path; an expired one is flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdmin, type Admin } from '../../src/admin/server.js';
import { startRouter, type TestRouter } from '../helpers.js';
import { makePki, type Leaf, type Pki } from '../listen/pki.js';

let pki: Pki;
let a: Leaf, wild: Leaf, expired: Leaf;
let tr: TestRouter;
let admin: Admin;

beforeAll(async () => {
  pki = makePki();
  a = pki.leaf('a', ['a.test', 'www.a.test']);
  wild = pki.leaf('wild', ['*.w.test']);
  expired = pki.leaf('expired', ['old.test'], -1);
  tr = await startRouter({
    listen: [
      { host: '127.0.0.1', port: 0, tls: { certs: [a, wild, expired].map(({ cert, key }) => ({ cert, key })) } },
      { host: '127.0.0.1', port: 0 },
    ],
    pools: { p: { backends: ['http://127.0.0.1:1'] } }, routes: [{ pool: 'p' }],
  });
  admin = await buildAdmin(tr.router, {});
});

afterAll(async () => {
  await admin?.close();
  await tr?.close();
  pki?.remove();
});

describe('GET /api/certificates', () => {
  it('lists names, notAfter, expired, serial, file and key path per certificate, with the listener address', async () => {
    const res = await admin.app.inject({ method: 'GET', url: '/api/certificates', headers: { host: '127.0.0.1' } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { listener: string; names: string[]; notAfter: string; expired: boolean; serial: string; file: string; at: string }[];
    expect(body.map((c) => [c.names, c.serial, c.file, c.at, c.expired])).toEqual([
      [['a.test', 'www.a.test'], a.serial, a.cert, 'listen[0].tls.certs[0]', false],
      [['*.w.test'], wild.serial, wild.cert, 'listen[0].tls.certs[1]', false],
      [['old.test'], expired.serial, expired.cert, 'listen[0].tls.certs[2]', true],
    ]);
    expect(new Set(body.map((c) => c.listener))).toEqual(new Set([`127.0.0.1:${tr.port}`]));
    expect(Date.parse(body[0]!.notAfter)).toBeGreaterThan(Date.now());
    expect(Date.parse(body[2]!.notAfter)).toBeLessThan(Date.now());
  });
});
