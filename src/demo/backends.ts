// Demo backends for `npm start` and tests: HTML pages that link images, images of real types
// (PNG, GIF, SVG) and a CGI-like server (/cgi-bin/env, form POSTs). Each keeps a small LRU cache
// and marks answers with X-Cache: HIT|MISS, so locality shows up in the dashboard.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { murmur3 } from '../schedulers/hash.js';

export type DemoKind = 'html' | 'images' | 'cgi';

export interface DemoBackend {
  kind: DemoKind;
  id: string;
  port: number;
  server: Server;
  cache: DemoCache;
  close(): Promise<void>;
}

export class DemoCache {
  private readonly map = new Map<string, Buffer>();
  hits = 0;
  misses = 0;
  constructor(readonly capacity: number) {}
  get(k: string): Buffer | undefined {
    const v = this.map.get(k);
    if (v) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: Buffer): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

// ---- image makers (valid files, deterministic per path) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function makePng(seed: number, size = 32): Buffer {
  const [r, g, b] = [seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) {
      const shade = ((x ^ y) & 8) ? 1 : 0.6;
      rows.push(Math.round(r * shade), Math.round(g * shade), Math.round(b * shade));
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
export function makeGif(seed: number): Buffer {
  // 1×1 GIF89a with a two-colour palette whose first entry is derived from the seed
  return Buffer.from([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0,
    seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff, 0, 0, 0,
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b,
  ]);
}
function makeSvg(seed: number, label: string): Buffer {
  const hue = seed % 360;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="hsl(${hue},60%,45%)"/>` +
      `<text x="6" y="25" fill="#fff" font-family="sans-serif" font-size="12">${label.replace(/[<&>"]/g, '')}</text></svg>`,
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(kind: DemoKind, id: string, req: IncomingMessage, path: string): { type: string; body: Buffer } | { status: number; text: string } {
  if (kind === 'html') {
    if (path === '/' || path.endsWith('.html') || path.startsWith('/page/')) {
      const n = murmur3(path) % 1000;
      const imgs = [0, 1, 2, 3, 4, 5].map((i) => `/img/${(n + i * 37) % 200}.${['png', 'gif', 'svg'][i % 3]}`);
      const links = [1, 2, 3].map((i) => `/page/${(n + i) % 50}.html`);
      return {
        type: 'text/html; charset=utf-8',
        body: Buffer.from(
          `<!doctype html><html><head><title>Switchyard demo ${escapeHtml(path)}</title></head><body>` +
            `<h1>Page ${escapeHtml(path)}</h1><p>Served by html backend ${id}.</p>` +
            imgs.map((s) => `<img src="${s}" alt="" width="32" height="32">`).join('') +
            `<ul>${links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('')}<li><a href="/cgi-bin/env">/cgi-bin/env</a></li></ul>` +
            `<form method="post" action="/cgi-bin/form"><input name="name" value="switchyard"><button>POST to CGI</button></form></body></html>`,
        ),
      };
    }
    return { status: 404, text: 'no such page' };
  }
  if (kind === 'images') {
    const seed = murmur3(path);
    if (path.endsWith('.png')) return { type: 'image/png', body: makePng(seed) };
    if (path.endsWith('.gif')) return { type: 'image/gif', body: makeGif(seed) };
    if (path.endsWith('.svg')) return { type: 'image/svg+xml', body: makeSvg(seed, path) };
    // extensionless image paths (learnMime / Accept demos): a PNG
    if (path.startsWith('/img/') || path.startsWith('/images/')) return { type: 'image/png', body: makePng(seed) };
    return { status: 404, text: 'no such image' };
  }
  return { status: 404, text: 'no such page' };
}

function cgi(id: string, req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let text: string;
    if (path === '/cgi-bin/env') {
      const env: Record<string, string> = {
        GATEWAY_INTERFACE: 'CGI/1.1', SERVER_SOFTWARE: `switchyard-demo-cgi (${id})`, REQUEST_METHOD: req.method ?? '',
        SCRIPT_NAME: path, QUERY_STRING: query.replace(/^\?/, ''), REMOTE_ADDR: req.socket.remoteAddress ?? '',
        CONTENT_LENGTH: String(size),
      };
      for (const [k, v] of Object.entries(req.headers)) env[`HTTP_${k.toUpperCase().replace(/-/g, '_')}`] = String(v);
      text = Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    } else {
      const fields = new URLSearchParams(req.method === 'POST' ? body : query);
      text = `CGI ${id}: ${req.method} ${path}\n` + [...fields].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-backend': id, 'cache-control': 'no-store' });
    res.end(text);
  });
}

export async function startDemoBackend(kind: DemoKind, port = 0, host = '127.0.0.1', cacheEntries = 64): Promise<DemoBackend> {
  const cache = new DemoCache(cacheEntries);
  let id = '';
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': id });
      res.end('ok\n');
      return;
    }
    if (kind === 'cgi' || path.startsWith('/cgi-bin/')) return cgi(id, req, res, path, q === -1 ? '' : url.slice(q));
    req.resume();
    let body = cache.get(path);
    let hit = true;
    let type = '';
    const out = render(kind, id, req, path);
    if ('status' in out) {
      res.writeHead(out.status, { 'content-type': 'text/plain', 'x-backend': id });
      res.end(out.text + '\n');
      return;
    }
    type = out.type;
    if (body === undefined) {
      hit = false;
      cache.misses++;
      body = out.body;
      cache.set(path, body);
    } else cache.hits++;
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'x-backend': id, 'x-cache': hit ? 'HIT' : 'MISS' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  id = `${host}:${addr.port}`;
  return {
    kind, id, port: addr.port, server, cache,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
