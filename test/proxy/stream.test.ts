// 50 MiB up and down through the router with slow peers: back-pressure must hold memory bounded.
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouter, startServer, type TestRouter, type TestServer } from '../helpers.js';

const MiB = 1024 * 1024;
const TOTAL = 50 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** A readable of `total` bytes produced as fast as the consumer takes them. */
function source(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

/** Consume a stream slowly: pause 15 ms after each MiB. Resolves with the byte count. */
function slowDrain(s: NodeJS.ReadableStream & { pause(): void; resume(): void }): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    let mark = MiB;
    s.on('data', (c: Buffer) => {
      n += c.length;
      if (n >= mark) {
        mark += MiB;
        s.pause();
        setTimeout(() => s.resume(), 15);
      }
    });
    s.on('end', () => resolve(n));
    s.on('error', reject);
  });
}

/** Largest RSS growth over `base` seen while `p` runs. */
async function peakGrowth<T>(p: Promise<T>): Promise<{ value: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const value = await p;
    return { value, growth: Math.max(peak, process.memoryUsage.rss()) - base };
  } finally {
    clearInterval(t);
  }
}

describe('streaming in bounded memory', () => {
  let backend: TestServer;
  let r: TestRouter;

  beforeAll(async () => {
    backend = await startServer((req, res) => {
      if (req.method === 'POST') {
        void slowDrain(req).then((n) => res.end(String(n)));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      source(TOTAL).pipe(res);
    });
    r = await startRouter({ pools: { p: { scheduler: 'rr', backends: [backend.url], timeout: 60_000 } }, routes: [{ pool: 'p' }] });
  });
  afterAll(async () => {
    await r?.close();
    await backend?.close();
  });

  it('streams 50 MiB down to a slow client with RSS growth under 64 MiB', async () => {
    const { value, growth } = await peakGrowth(new Promise<number>((resolve, reject) => {
      request(`${r.url}/big`, (res) => void slowDrain(res).then(resolve, reject)).on('error', reject).end();
    }));
    expect(value).toBe(TOTAL);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('streams 50 MiB up to a slow backend with RSS growth under 64 MiB', async () => {
    const { value, growth } = await peakGrowth(new Promise<string>((resolve, reject) => {
      const rq = request(`${r.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': TOTAL } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      rq.on('error', reject);
      source(TOTAL).pipe(rq);
    }));
    expect(value).toBe(String(TOTAL));
    expect(growth).toBeLessThan(64 * MiB);
  });
});
