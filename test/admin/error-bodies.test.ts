// Issue 12 (errors): every admin API failure answers { error, statusCode, code, path? } with a code
// from src/errors.ts whose status is the one sent, and the key path of the input at fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminError, validationPath } from '../../src/admin/errors.js';
import { buildAdmin, type Admin } from '../../src/admin/server.js';
import { ERRORS, isErrorCode, SwitchyardError } from '../../src/errors.js';
import { fixture, type Fixture } from './fixture.js';

let f: Fixture;
let guarded: Admin;
const TOKEN = 'error-bodies-token-0123456789';
beforeAll(async () => {
  f = await fixture({ listen: false });
  guarded = await buildAdmin(f.tr.router, { token: TOKEN });
});
afterAll(async () => {
  await guarded.close();
  await f.close();
});

interface Body {
  error: string;
  statusCode: number;
  code: string;
  path?: string;
}

/** One call; checks the shape every error body shares and returns it. */
async function failing(status: number, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string>, admin = f.admin): Promise<Body> {
  const r = await admin.app.inject({
    method, url, headers: headers ?? (method === 'GET' ? {} : { 'content-type': 'application/json' }),
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(status);
  const body = r.json() as Body;
  expect(body.statusCode).toBe(status);
  expect(isErrorCode(body.code), body.code).toBe(true);
  expect(ERRORS[body.code as keyof typeof ERRORS].status).toBe(status);
  expect(body.error.length).toBeGreaterThan(5);
  return body;
}

describe('400: the code and the key path of the input at fault', () => {
  it('schema failures name body, params and querystring keys', async () => {
    const add = '/api/pools/html/backends';
    expect(await failing(400, 'POST', add, { url: 'http://127.0.0.1:10', weight: -1 })).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.weight', error: expect.stringMatching(/^bad body: /) });
    expect(await failing(400, 'POST', add, { url: 'http://127.0.0.1:10', extra: true })).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.extra' });
    expect(await failing(400, 'POST', add, {})).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.url' });
    const patch = `/api/pools/html/backends/${f.html[0]!.id}`;
    expect(await failing(400, 'PATCH', patch, { state: 'paused' })).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.state' });
    expect(await failing(400, 'PATCH', patch, { weight: 'heavy' })).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.weight' });
    expect(await failing(400, 'PATCH', patch, {})).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body' });
    expect(await failing(400, 'POST', '/api/explain', { method: 'GET', url: '/x', headers: { 'x-a': 1 } })).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'body.headers.x-a' });
    expect(await failing(400, 'GET', '/api/affinity?limit=-1')).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'querystring.limit' });
    expect(await failing(400, 'GET', '/api/affinity?bogus=1')).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_INPUT', path: 'querystring.bogus' });
  });

  it('a URL the schema lets through but the pool refuses names body.url; bad JSON names the body', async () => {
    expect(await failing(400, 'POST', '/api/pools/html/backends', { url: 'ftp://127.0.0.1:10' })).toMatchObject({ code: 'SY_ERR_BACKEND_INVALID', path: 'body.url', error: expect.stringMatching(/scheme/) });
    expect(await failing(400, 'POST', '/api/explain', '{"method":')).toMatchObject({ code: 'SY_ERR_ADMIN_BAD_JSON', path: 'body' });
  });
});

describe('404, 409, 415, 401 and 403', () => {
  it('404: an unknown pool names params.pool, an unknown backend params.id, an unknown route no key', async () => {
    expect(await failing(404, 'GET', '/api/pools/nope')).toEqual({ error: 'no pool named "nope"', statusCode: 404, code: 'SY_ERR_POOL_UNKNOWN', path: 'params.pool' });
    expect(await failing(404, 'POST', '/api/pools/nope/backends', { url: 'http://127.0.0.1:10' })).toMatchObject({ code: 'SY_ERR_POOL_UNKNOWN', path: 'params.pool' });
    expect(await failing(404, 'PATCH', '/api/pools/html/backends/127.0.0.1:1', { state: 'drain' })).toEqual({ error: 'pool html has no backend "127.0.0.1:1"', statusCode: 404, code: 'SY_ERR_BACKEND_UNKNOWN', path: 'params.id' });
    expect(await failing(404, 'DELETE', '/api/pools/html/backends/127.0.0.1:1')).toMatchObject({ code: 'SY_ERR_BACKEND_UNKNOWN', path: 'params.id' });
    const none = await failing(404, 'GET', '/api/nothing');
    expect(none).toEqual({ error: 'no such admin route: GET /api/nothing', statusCode: 404, code: 'SY_ERR_ADMIN_NO_ROUTE' });
  });

  it('409: a duplicate backend names body.url; a reload without a file has its own code', async () => {
    const dup = await failing(409, 'POST', '/api/pools/html/backends', { url: `http://${f.html[0]!.id}` });
    expect(dup).toMatchObject({ code: 'SY_ERR_BACKEND_EXISTS', path: 'body.url', error: expect.stringMatching(/already has backend/) });
    expect(await failing(409, 'POST', '/api/reload')).toMatchObject({ code: 'SY_ERR_RELOAD_NO_FILE', error: expect.stringMatching(/not started from a config file/) });
  });

  it('415: a mutation that is not JSON names headers.content-type', async () => {
    const body = await failing(415, 'POST', '/api/explain', '<GET/>', { 'content-type': 'application/xml' });
    expect(body).toEqual({ error: 'POST needs Content-Type: application/json', statusCode: 415, code: 'SY_ERR_ADMIN_CONTENT_TYPE', path: 'headers.content-type' });
  });

  it('401 without the token and 403 for a foreign Host carry their codes', async () => {
    expect(await failing(401, 'GET', '/api/status', undefined, {}, guarded)).toMatchObject({ code: 'SY_ERR_ADMIN_TOKEN', path: 'headers.authorization' });
    const foreign = { host: 'evil.example', authorization: `Bearer ${TOKEN}` };
    expect(await failing(403, 'GET', '/api/status', undefined, foreign, guarded)).toMatchObject({ code: 'SY_ERR_ADMIN_HOST_REFUSED', path: 'headers.host' });
  });
});

describe('the mapping (pure)', () => {
  it('ajv locations become key paths', () => {
    expect(validationPath('body', { instancePath: '/weight' })).toBe('body.weight');
    expect(validationPath('body', { instancePath: '', params: { missingProperty: 'url' } })).toBe('body.url');
    expect(validationPath('body', { instancePath: '/list/0/a~1b' })).toBe('body.list[0]["a/b"]');
    expect(validationPath('params', undefined)).toBe('params');
  });

  it('fastify 4xx become coded errors; anything else is SY_ERR_INTERNAL; a SwitchyardError passes through', () => {
    expect(adminError({ message: 'too big', statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }).code).toBe('SY_ERR_ADMIN_BODY_TOO_LARGE');
    expect(adminError({ message: 'boom' }).code).toBe('SY_ERR_INTERNAL');
    const own = new SwitchyardError('SY_ERR_BACKEND_EXISTS', 'dup', 'body.url');
    expect(adminError(own)).toBe(own);
  });
});
