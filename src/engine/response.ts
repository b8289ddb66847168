// The answer to one request on the fast engine: the head is built here from the exchange's header
// array (proxy/exchange.ts) and written with the first body bytes in one write. Framing: the
// backend's Content-Length when it gave one, else chunked to an HTTP/1.1 client and close-delimited
// to an HTTP/1.0 one; no body after HEAD, 1xx, 204 and 304.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientResponse } from '../proxy/client.js';
import type { FastRequest } from './request.js';

/** Body writes up to this size are copied behind the head into one buffer (one syscall). */
const COPY_MAX = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** What a response asks of its connection (src/engine/connection.ts implements it). */
export interface ResponseOwner {
  /** The answer was written in full. */
  responded(res: FastResponse): void;
  /** The answer cannot be finished: close the connection. */
  broken(res: FastResponse): void;
}

export class FastResponse implements ClientResponse {
  statusCode = 200;
  shouldKeepAlive: boolean;
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  /** The head, until the first write or the end sends it. */
  private head: string | undefined;
  private extra: string[] | undefined;
  private chunked = false;
  private noBody: boolean;
  private closeFns: (() => void)[] | undefined;
  /** Body bytes written (the access log's bytes out). */
  bytes = 0;

  constructor(private readonly socket: Socket, private readonly req: FastRequest, private readonly owner: ResponseOwner) {
    this.shouldKeepAlive = req.keepAlive;
    this.noBody = req.method === 'HEAD';
  }

  setHeader(name: string, value: string): this {
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      if (value.toLowerCase() === 'close') this.shouldKeepAlive = false;
      return this;
    }
    (this.extra ??= []).push(name, value);
    return this;
  }

  writeHead(status: number, a?: string | string[] | Record<string, string | number>, b?: string[]): this {
    const text = typeof a === 'string' ? a : undefined;
    const fields = typeof a === 'string' || a === undefined ? b : a;
    this.statusCode = status;
    this.headersSent = true;
    if (status < 200 || status === 204 || status === 304) this.noBody = true;
    let head = `HTTP/1.1 ${status} ${text ?? STATUS_CODES[status] ?? ''}\r\n`;
    let length = false;
    let close = !this.shouldKeepAlive;
    const add = (name: string, value: string) => {
      // only names of these lengths need a look: content-length (14), connection (10), transfer-encoding (17)
      const n = name.length;
      if (n === 14 || n === 10 || n === 17) {
        const l = name.toLowerCase();
        if (l === 'content-length') length = true;
        else if (l === 'connection') {
          if (value.toLowerCase().includes('close')) close = true;
          return;
        } else if (l === 'transfer-encoding') return; // framing is ours to choose
      }
      head += `${name}: ${value}\r\n`;
    };
    if (Array.isArray(fields)) for (let i = 0; i < fields.length; i += 2) add(fields[i]!, fields[i + 1]!);
    else if (fields !== undefined) for (const k of Object.keys(fields)) add(k, String(fields[k]));
    const extra = this.extra;
    if (extra !== undefined) for (let i = 0; i < extra.length; i += 2) add(extra[i]!, extra[i + 1]!);
    if (!this.noBody && !length) {
      if (this.req.httpVersion === '1.1') {
        this.chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      } else close = true; // an HTTP/1.0 client reads to the close
    }
    this.shouldKeepAlive = !close;
    if (close) head += 'connection: close\r\n';
    else if (this.req.httpVersion === '1.0') head += 'connection: keep-alive\r\n';
    this.head = head + '\r\n';
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.destroyed || this.writableFinished) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.noBody || chunk.length === 0) return this.flushHead();
    this.bytes += chunk.length;
    const s = this.socket;
    const head = this.head;
    this.head = undefined;
    if (this.chunked) {
      const size = `${head ?? ''}${chunk.length.toString(16)}\r\n`;
      if (chunk.length <= COPY_MAX) return s.write(concat(size, chunk, CRLF));
      s.cork();
      s.write(size, 'latin1');
      s.write(chunk);
      const ok = s.write(CRLF);
      s.uncork();
      return ok;
    }
    if (head === undefined) return s.write(chunk);
    if (chunk.length <= COPY_MAX) return s.write(concat(head, chunk, undefined));
    s.cork();
    s.write(head, 'latin1');
    const ok = s.write(chunk);
    s.uncork();
    return ok;
  }

  end(body?: string): this {
    if (this.destroyed || this.writableFinished) return this;
    if (body !== undefined && body.length > 0) this.write(Buffer.from(body));
    if (!this.headersSent) {
      // no body and no length: an empty answer says so (as node:http does)
      this.writeHead(this.statusCode, this.noBody ? [] : ['content-length', '0']);
    }
    const head = this.head;
    this.head = undefined;
    if (this.chunked) this.socket.write(head === undefined ? LAST_CHUNK : concat(head, LAST_CHUNK, undefined));
    else if (head !== undefined) this.socket.write(head, 'latin1');
    this.writableFinished = true;
    this.owner.responded(this);
    this.emitClose();
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (!this.writableFinished) this.owner.broken(this);
    this.emitClose();
    return this;
  }

  once(event: 'drain', fn: () => void): this {
    this.socket.once(event, fn);
    return this;
  }

  on(event: 'close', fn: () => void): this {
    (this.closeFns ??= []).push(fn);
    return this;
  }

  /** The client went away before the answer was through (src/engine/connection.ts). */
  gone(): void {
    if (this.writableFinished || this.destroyed) return;
    this.destroyed = true;
    this.emitClose();
  }

  private flushHead(): boolean {
    const head = this.head;
    if (head === undefined) return true;
    this.head = undefined;
    return this.socket.write(head, 'latin1');
  }

  private emitClose(): void {
    const fns = this.closeFns;
    if (fns === undefined) return;
    this.closeFns = undefined;
    for (const fn of fns) fn.call(this);
  }
}

/** `text` (latin1) + `chunk` (+ `tail`) in one new Buffer. */
function concat(text: string, chunk: Buffer, tail: Buffer | undefined): Buffer {
  const n = text.length;
  const out = Buffer.allocUnsafe(n + chunk.length + (tail?.length ?? 0));
  out.write(text, 0, 'latin1');
  chunk.copy(out, n);
  if (tail !== undefined) tail.copy(out, n + chunk.length);
  return out;
}
