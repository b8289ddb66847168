// A raw TCP capture backend (node:net): records exactly what arrives, splits it into requests
// with a strict parser of its own, and answers each with a fixed 200 or with whatever hostile
// bytes a test hands it. Used by the security corpus (src/selftest/run.ts and test/security/runner.ts).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Captured {
  /** Capture (pool) name that received it. */
  pool: string;
  requestLine: string;
  method: string;
  /** Request-target exactly as it arrived. */
  target: string;
  /** Header lines as [name, value] in arrival order (value without surrounding OWS). */
  headers: [string, string][];
  /** Raw head (request line and headers, without the blank line). */
  head: string;
  /** Body after de-chunking. */
  body: Buffer;
  /** When the request was complete, and when its answer was written (ms, performance clock). */
  at: number;
  answeredAt: number;
  /** Connection number (per capture) it came on. */
  conn: number;
}

/** How to answer one request: raw bytes, optionally then close; or close at once. */
export type Reply = { bytes: string | Buffer; close?: boolean; delayMs?: number } | 'close';

export interface Capture {
  name: string;
  port: number;
  url: string;
  /** Complete requests, in arrival order. */
  received: Captured[];
  /** Every byte that arrived since the last reset, on any connection. */
  bytes: number;
  /** Problems the strict parser found (a request it could not frame). */
  errors: string[];
  connections: number;
  reset(): void;
  close(): Promise<void>;
}

export interface CaptureOptions {
  /** Answer for a request; undefined → the fixed 200. */
  reply?: (r: Captured) => Reply | undefined;
  /** Wait this long before answering (to see whether requests overlap upstream). */
  delayMs?: number;
}

/** The fixed answer: 200, body `<pool> <target>`, and an x-capture header naming the pool. */
export function fixedReply(r: Captured): string {
  const body = `${r.pool} ${r.target}`;
  return `HTTP/1.1 200 OK\r\nx-capture: ${r.pool}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

class FrameError extends Error {}

/** Strict request framing: CRLF lines, one length (CL digits or chunked), no folding. */
function parseOne(buf: Buffer, pool: string, conn: number): { req: Captured; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) {
    if (buf.length > 1 << 20) throw new FrameError('head larger than 1 MiB');
    return undefined;
  }
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const requestLine = lines[0]!;
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!m) throw new FrameError(`bad request line ${JSON.stringify(requestLine)}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const h = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!h || /[\r\n\0]/.test(line)) throw new FrameError(`bad header line ${JSON.stringify(line)}`);
    headers.push([h[1]!, h[2]!]);
  }
  const cl = headers.filter(([n]) => n.toLowerCase() === 'content-length');
  const te = headers.filter(([n]) => n.toLowerCase() === 'transfer-encoding');
  if (cl.length > 1 || (cl.length && te.length) || te.length > 1) throw new FrameError('ambiguous framing');
  let pos = end + 4;
  let body = Buffer.alloc(0);
  if (te.length) {
    if (te[0]![1].toLowerCase() !== 'chunked') throw new FrameError(`transfer-encoding ${te[0]![1]}`);
    const parts: Buffer[] = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol === -1) return undefined;
      const size = buf.subarray(pos, eol).toString('latin1').split(';')[0]!;
      if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw new FrameError(`bad chunk size ${JSON.stringify(size)}`);
      const n = parseInt(size, 16);
      if (n === 0) {
        // trailers, then the blank line
        const tEnd = buf.indexOf('\r\n\r\n', eol);
        if (buf.length >= eol + 4 && buf.subarray(eol, eol + 4).toString() === '\r\n\r\n') pos = eol + 4;
        else if (tEnd === -1) return undefined;
        else pos = tEnd + 4;
        break;
      }
      if (buf.length < eol + 2 + n + 2) return undefined;
      parts.push(buf.subarray(eol + 2, eol + 2 + n));
      if (buf.subarray(eol + 2 + n, eol + 4 + n).toString() !== '\r\n') throw new FrameError('chunk data not followed by CRLF');
      pos = eol + 4 + n;
    }
    body = Buffer.concat(parts);
  } else if (cl.length) {
    const v = cl[0]![1];
    if (!/^[0-9]{1,12}$/.test(v)) throw new FrameError(`bad content-length ${JSON.stringify(v)}`);
    const n = Number(v);
    if (buf.length < pos + n) return undefined;
    body = Buffer.from(buf.subarray(pos, pos + n));
    pos += n;
  }
  const req: Captured = {
    pool, requestLine, method: m[1]!, target: m[2]!, headers, head, body, at: performance.now(), answeredAt: 0, conn,
  };
  return { req, used: pos };
}

export async function startCapture(name: string, opts: CaptureOptions = {}): Promise<Capture> {
  const sockets = new Set<Socket>();
  const cap: Capture = {
    name, port: 0, url: '', received: [], bytes: 0, errors: [], connections: 0,
    reset() {
      cap.received.length = 0;
      cap.errors.length = 0;
      cap.bytes = 0;
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    const conn = ++cap.connections;
    let buf = Buffer.alloc(0);
    // answers go out in order, one at a time
    let queue: Promise<void> = Promise.resolve();
    let continued = false;
    sock.on('data', (d: Buffer) => {
      cap.bytes += d.length;
      buf = Buffer.concat([buf, d]);
      try {
        for (;;) {
          const got = parseOne(buf, name, conn);
          if (!got) {
            // a head that waits for 100-continue gets it, as node:http would send it
            const end = buf.indexOf('\r\n\r\n');
            if (!continued && end !== -1 && /\r\nexpect:[ \t]*100-continue/i.test(buf.subarray(0, end).toString('latin1'))) {
              continued = true;
              sock.write('HTTP/1.1 100 Continue\r\n\r\n');
            }
            break;
          }
          continued = false;
          buf = buf.subarray(got.used);
          const r = got.req;
          cap.received.push(r);
          queue = queue.then(() => answer(sock, r, opts));
        }
      } catch (e) {
        cap.errors.push((e as Error).message);
        sock.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cap.port = (server.address() as AddressInfo).port;
  cap.url = `http://127.0.0.1:${cap.port}`;
  return cap;
}

async function answer(sock: Socket, r: Captured, opts: CaptureOptions): Promise<void> {
  const plan = opts.reply?.(r) ?? { bytes: fixedReply(r) };
  const delay = (plan !== 'close' ? plan.delayMs : undefined) ?? opts.delayMs ?? 0;
  if (delay > 0) await new Promise((res) => setTimeout(res, delay));
  r.answeredAt = performance.now();
  if (sock.destroyed) return;
  if (plan === 'close') {
    sock.destroy();
    return;
  }
  sock.write(plan.bytes);
  if (plan.close) sock.end();
}
