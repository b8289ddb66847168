// Raw-socket clients over node:net: exact bytes out, everything received kept as latin1 text.
import { connect, type Socket } from 'node:net';

export interface Raw {
  socket: Socket;
  text(): string;
  /** Resolves once the received text satisfies `pred`; rejects after `ms` or on close without it. */
  until(pred: (text: string) => boolean, ms?: number): Promise<string>;
  /** `until` the received text contains `text`. */
  waitFor(text: string, ms?: number): Promise<string>;
  /** Resolves with the ms from connect to close. */
  closed: Promise<number>;
}

/**
 * Connect to 127.0.0.1:`port` and send `first` once connected. The peer's FIN ends our side too
 * (as most clients do); `socket.end()` half-closes.
 */
export function raw(port: number, opts: { localAddress?: string; first?: string | Buffer } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress, allowHalfOpen: true });
    let buf = '';
    const waiters: (() => void)[] = [];
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    const t0 = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => {
      r(Date.now() - t0);
      for (const w of waiters.splice(0)) w();
    }));
    const until = (pred: (text: string) => boolean, ms = 3000) => new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out; received ${JSON.stringify(buf.slice(0, 300))}`)), ms);
      const check = () => {
        if (pred(buf)) {
          clearTimeout(t);
          res(buf);
        } else if (socket.destroyed) {
          clearTimeout(t);
          rej(new Error(`closed; received ${JSON.stringify(buf.slice(0, 300))}`));
        } else waiters.push(check);
      };
      check();
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      if (opts.first !== undefined) socket.write(opts.first);
      resolve({ socket, text: () => buf, closed, until, waitFor: (text, ms) => until((t) => t.includes(text), ms) });
    });
  });
}

/** Status codes of the HTTP responses in `text`, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** One request/answer over a fresh connection to a TCP echo service: the backend name that answered. */
export async function whoAnswers(port: number, msg = 'hi'): Promise<string> {
  const c = await raw(port, { first: msg });
  await c.waitFor(`:${msg}`);
  const name = c.text().split(':')[0]!;
  c.socket.destroy();
  return name;
}

/** Send `data` as is; everything the router answers until it closes (or `ms` pass). */
export async function rawExchange(port: number, data: string, ms = 1500): Promise<string> {
  const c = await raw(port, { first: data });
  const timer = setTimeout(() => c.socket.destroy(), ms);
  await c.closed;
  clearTimeout(timer);
  return c.text();
}

export interface RawRequest {
  method: string;
  target: string;
  /** Header lines; `host` is sent only when given (null: none). */
  headers?: Record<string, string>;
  host?: string | null;
  body?: string;
  version?: '1.0' | '1.1';
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 request written as raw bytes (with `Connection: close`), read until close or `ms`. */
export async function rawRequest(port: number, r: RawRequest, ms = 2000): Promise<RawAnswer> {
  const lines = [`${r.method} ${r.target} HTTP/${r.version ?? '1.1'}`];
  if (r.host !== null) lines.push(`Host: ${r.host ?? `127.0.0.1:${port}`}`);
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (r.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(r.body)}`);
  lines.push('Connection: close', '', r.body ?? '');
  const c = await raw(port, { first: lines.join('\r\n') });
  const timer = setTimeout(() => c.socket.destroy(), ms);
  await c.closed;
  clearTimeout(timer);
  return parseAnswer(c.text());
}

function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = (end < 0 ? text : text.slice(0, end)).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of head.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = end < 0 ? '' : text.slice(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  return { status, headers, body };
}

function unchunk(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const nl = s.indexOf('\r\n', i);
    const n = parseInt(s.slice(i, nl), 16);
    if (!(n > 0)) break;
    out += s.slice(nl + 2, nl + 2 + n);
    i = nl + 2 + n + 2;
  }
  return out;
}
