// Issue 11 item 4: pipelined requests are forwarded one at a time, in order, with bounded buffering.
import { afterEach, describe, expect, it } from 'vitest';
import { raw, slowBackend, startRouter, statuses, type TestRouter, type TestServer } from '../helpers.js';
import { MAX_QUEUED } from '../../src/proxy/serial.js';

let router: TestRouter | undefined;
let backend: TestServer | undefined;
afterEach(async () => {
  await router?.close();
  await backend?.close();
  router = backend = undefined;
});

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;

describe('pipelined requests', () => {
  it('forwards ten pipelined requests one at a time and answers them in order on a kept-alive connection', async () => {
    const b = await slowBackend('p', 10);
    backend = b;
    router = await startRouter({ pools: { p: { scheduler: 'rr', backends: [b.url] } }, routes: [{ pool: 'p' }] });
    const c = await raw(router.port, { first: Array.from({ length: 10 }, (_, i) => get(`/r${i}`)).join('') });
    const text = await c.until((t) => (t.match(/done \/r\d+/g) ?? []).length === 10, 5000);
    expect(text.match(/done \/r\d+/g)).toEqual(Array.from({ length: 10 }, (_, i) => `done /r${i}`));
    expect(b.max()).toBe(1);
    expect(c.socket.destroyed).toBe(false);
    c.socket.destroy();
  });

  it('holds at most one upstream request for 600 pipelined GETs, answers the first ones and closes; another client is not delayed', async () => {
    const b = await slowBackend('p', 20);
    backend = b;
    router = await startRouter({ pools: { p: { scheduler: 'rr', backends: [b.url] } }, routes: [{ pool: 'p' }] });
    const flood = await raw(router.port, { first: Array.from({ length: 600 }, (_, i) => get(`/f${i}`)).join('') });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const victim = await raw(router.port, { first: get('/victim') });
    await victim.until((t) => t.includes('done /victim'), 3000);
    const victimMs = Date.now() - t0;
    await flood.closed;
    const answers = flood.text().match(/done \/f\d+/g) ?? [];
    expect(answers).toEqual(Array.from({ length: 1 + MAX_QUEUED }, (_, i) => `done /f${i}`));
    expect(statuses(flood.text()).every((s) => s === 200)).toBe(true);
    expect(b.seen.filter((u) => u.startsWith('/f'))).toHaveLength(1 + MAX_QUEUED);
    expect(b.max()).toBeLessThanOrEqual(2); // the flood's one request plus the victim's
    expect(victimMs).toBeLessThan(500);
    victim.socket.destroy();
  });

  it('does not buffer 40,000 requests sent in one write', async () => {
    const b = await slowBackend('p', 1);
    backend = b;
    router = await startRouter({ pools: { p: { scheduler: 'rr', backends: [b.url] } }, routes: [{ pool: 'p' }] });
    const c = await raw(router.port, { first: get('/x').repeat(40_000) });
    const ms = await c.closed;
    expect(b.seen).toHaveLength(1 + MAX_QUEUED);
    expect(ms).toBeLessThan(3000);
  });
});
