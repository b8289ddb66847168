// Issue 11 item 6: a backend's unrequested `100 Continue` is dropped, not a 502 or a connect failure.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouter, type TestRouter } from '../helpers.js';

let router: TestRouter | undefined;
let server: Server | undefined;
afterEach(async () => {
  await router?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  router = server = undefined;
});

/** A raw backend answering every request with `interim` bytes first, in pieces, then a 200. */
async function interimBackend(interim: string): Promise<{ url: string; conns: () => number }> {
  let conns = 0;
  server = createServer((s: Socket) => {
    conns++;
    let buf = '';
    s.on('data', async (d: Buffer) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        for (let i = 0; i < interim.length; i += 7) s.write(interim.slice(i, i + 7)); // split heads
        await new Promise((r) => setTimeout(r, 5));
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, conns: () => conns };
}

describe('unrequested 100 Continue from a backend', () => {
  it('drops one or fifty interim 100 heads and relays the final answer on a kept connection', async () => {
    const b = await interimBackend('HTTP/1.1 100 Continue\r\n\r\n'.repeat(50));
    router = await startRouter({ pools: { p: { scheduler: 'rr', backends: [b.url] } }, routes: [{ pool: 'p' }] });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${router.url}/x${i}`, { method: i === 1 ? 'POST' : 'GET', body: i === 1 ? 'data' : undefined });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('ok\n');
    }
    expect(b.conns()).toBe(1); // the upstream connection was never closed
    const p = router.router.pools.get('p')!;
    expect(p.backends[0]!.failures).toBe(0);
  });
});
