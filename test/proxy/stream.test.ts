// 50 MiB up and down through the router with slow peers: back-pressure must hold memory bounded.
// The router runs as its own process (the compiled CLI) so that its RSS is measured alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

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

/** Resident set size of process `pid` in bytes (Linux). */
function rssOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
}

/** Largest growth of the router process's RSS over its level before `p` started. */
async function peakGrowth<T>(pid: number, p: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const base = rssOf(pid);
  let peak = base;
  const t = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 10);
  try {
    const value = await p();
    return { value, growth: Math.max(peak, rssOf(pid)) - base };
  } finally {
    clearInterval(t);
  }
}

/** Start the compiled router on a config file; resolves with its process and URL. */
function startRouterProcess(backendUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-stream-')), 'stream.config.mjs');
  writeFileSync(file, `export default { listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' },
    pools: { p: { scheduler: 'rr', backends: ['${backendUrl}'], timeout: 60000 } }, routes: [{ pool: 'p' }] };`);
  // the start banner is on stderr (stdout carries the access log)
  const child = spawn(process.execPath, [CLI, 'start', '-c', file], { stdio: ['ignore', 'inherit', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /routing on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`router exited ${code}: ${out}`)));
  });
}

describe('streaming in bounded memory', () => {
  let backend: TestServer;
  let r: { child: ChildProcess; url: string };

  beforeAll(async () => {
    backend = await startServer((req, res) => {
      if (req.url === '/small') return void res.end('ok');
      if (req.method === 'POST') {
        void slowDrain(req).then((n) => res.end(String(n)));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      source(TOTAL).pipe(res);
    });
    r = await startRouterProcess(backend.url);
    // warm up: load and compile the request path before measuring
    for (let i = 0; i < 20; i++) await fetch(`${r.url}/small`).then((x) => x.text());
  });
  afterAll(async () => {
    r?.child.kill('SIGKILL');
    await backend?.close();
  });

  it('streams 50 MiB down to a slow client with RSS growth under 64 MiB', async () => {
    const { value, growth } = await peakGrowth(r.child.pid!, () => new Promise<number>((resolve, reject) => {
      request(`${r.url}/big`, (res) => void slowDrain(res).then(resolve, reject)).on('error', reject).end();
    }));
    expect(value).toBe(TOTAL);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('streams 50 MiB up to a slow backend with RSS growth under 64 MiB', async () => {
    const { value, growth } = await peakGrowth(r.child.pid!, () => new Promise<string>((resolve, reject) => {
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
