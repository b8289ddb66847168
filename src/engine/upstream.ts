// Upstream connections of the fast engine: raw keep-alive sockets per backend, each response parsed
// by llhttp (src/engine/llhttp.ts). A connection is reused only when its last response was read to
// its end, the request was written in full, and the backend kept it open; bytes from a backend with
// no request outstanding close it. The interface is the one the exchange already speaks to undici
// (src/proxy/exchange.ts): dispatch(options, handler) with onConnect/onHeaders/onData/onComplete/onError.
import { connect, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { BackendState } from '../pools/backend.js';
import type { ConnectSpec } from '../proxy/upstream.js';
import { newParser, RESPONSE, type Parser, type ParserCallbacks } from './llhttp.js';
import { requestHead } from './serialize.js';

/** Idle keep-alive connections close after this long (undici's default too). */
const IDLE_MS = 4_000;
const SWEEP_MS = 100;
/** Response heads up to this size (node's default header limit). */
const MAX_HEAD = 16 * 1024;
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** A response's Content-Length, when it has one and no Transfer-Encoding (else llhttp frames it). */
function contentLength(fields: readonly string[]): number | undefined {
  let length: number | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const n = fields[i]!.length;
    if (n !== 14 && n !== 17) continue;
    const name = fields[i]!.toLowerCase();
    if (name === 'transfer-encoding') return undefined;
    if (name === 'content-length') {
      if (length !== undefined) return undefined;
      const v = fields[i + 1]!.trim();
      if (!/^\d{1,15}$/.test(v)) return undefined;
      length = Number(v);
    }
  }
  return length;
}

/** What the exchange (src/proxy/exchange.ts) implements: undici's raw handler, as this pool calls it. */
export interface UpstreamHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(status: number, raw: (Buffer | string)[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: (Buffer | string)[] | null): void;
  onError(err: Error): void;
}

type Handler = UpstreamHandler;

/** undici's options, plus the trailers a chunked request body ends with (an HTTP/2 client's). */
export type RawDispatchOptions = Dispatcher.DispatchOptions & {
  trailers?: () => Record<string, string | string[] | undefined> | undefined;
};

/** Trailer fields never forwarded: framing, routing and hop-by-hop ones. */
const NOT_TRAILERS = new Set(['content-length', 'host', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection', 'expect']);

/** The last chunk of a chunked body, with `fields` as its trailer section. */
function lastChunk(fields: Record<string, string | string[] | undefined> | undefined): Buffer | string {
  if (fields === undefined) return LAST_CHUNK;
  let out = '\r\n0\r\n';
  for (const [name, v] of Object.entries(fields)) {
    if (v === undefined || name.startsWith(':') || NOT_TRAILERS.has(name.toLowerCase())) continue;
    for (const one of Array.isArray(v) ? v : [v]) out += `${name}: ${one}\r\n`;
  }
  return out + '\r\n';
}

function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

export class RawUpstreams {
  /** Connect timeout → backend URL → pool. */
  private readonly pools = new Map<number, Map<string, RawPool>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly connections: number) {}

  get(b: BackendState, spec: ConnectSpec): RawPool {
    let byUrl = this.pools.get(spec.connectTimeout);
    if (byUrl === undefined) this.pools.set(spec.connectTimeout, (byUrl = new Map()));
    let p = byUrl.get(b.url);
    if (p === undefined) {
      byUrl.set(b.url, (p = new RawPool(b.host, b.port, this.connections, spec.connectTimeout)));
      if (this.sweeper === undefined) {
        this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
        this.sweeper.unref();
      }
    }
    return p;
  }

  private sweep(): void {
    const now = Date.now();
    for (const byUrl of this.pools.values()) for (const p of byUrl.values()) p.sweep(now);
  }

  /** Close the pools of backends no longer in use (after a reload or a removal). */
  retain(urls: ReadonlySet<string>): void {
    for (const byUrl of this.pools.values()) {
      for (const [url, p] of byUrl) {
        if (!urls.has(url)) {
          byUrl.delete(url);
          p.close();
        }
      }
    }
  }

  /** Shutdown: every connection, busy or idle. */
  destroy(): void {
    for (const byUrl of this.pools.values()) for (const p of byUrl.values()) p.close(true);
    this.pools.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

interface Waiting {
  opts: Dispatcher.DispatchOptions;
  handler: Handler;
}

export class RawPool {
  private readonly idle: UpConn[] = [];
  readonly busy = new Set<UpConn>();
  private open = 0;
  private readonly waiting: Waiting[] = [];
  private closed = false;
  readonly hostField: string;

  constructor(readonly host: string, readonly port: number, private readonly max: number, readonly connectTimeout: number) {
    this.hostField = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const c = this.idle.pop();
    if (c !== undefined) c.run(opts, handler);
    else if (this.open < this.max) {
      this.open++;
      new UpConn(this).run(opts, handler);
    } else this.waiting.push({ opts, handler });
    return true;
  }

  /** A connection's exchange is over and it may carry another. */
  release(c: UpConn): void {
    this.busy.delete(c);
    const w = this.waiting.shift();
    if (w !== undefined) return c.run(w.opts, w.handler);
    if (this.closed) return c.destroy();
    c.idleSince = Date.now();
    this.idle.push(c);
  }

  /** A connection closed. */
  dropped(c: UpConn): void {
    this.busy.delete(c);
    const i = this.idle.indexOf(c);
    if (i !== -1) this.idle.splice(i, 1);
    this.open--;
    const w = this.waiting.shift();
    if (w !== undefined) this.dispatch(w.opts, w.handler);
  }

  sweep(now: number): void {
    while (this.idle.length > 0 && now - this.idle[0]!.idleSince > IDLE_MS) this.idle.shift()!.destroy();
    for (const c of this.busy) c.check(now);
  }

  /** Idle connections close now, busy ones after their exchange (or now, with `all`). */
  close(all = false): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
    if (all) for (const c of [...this.busy]) c.destroy();
  }
}

/** One upstream connection, carrying one request at a time. */
class UpConn implements ParserCallbacks {
  private socket: Socket | undefined;
  private readonly parser: Parser;
  private handler: Handler | undefined;
  private method = '';
  idleSince = 0;
  private status = 0;
  private statusText = '';
  private trailers: string[] | undefined;
  private headersDone = false;
  /** The last response ended and the backend keeps the connection. */
  private reusable = false;
  private completed = false;
  /** The request (head and body) is written in full. */
  private sent = false;
  private paused = false;
  private readonly resume = () => {
    this.paused = false;
    this.socket?.resume();
  };
  private fields: string[] = [];
  private dead = false;
  /** Deadlines of the exchange in flight (ms; 0: none). */
  private headersBy = 0;
  private bodyBy = 0;
  private headersTimeout = 0;
  private bodyTimeout = 0;
  private connectBy = 0;

  constructor(private readonly pool: RawPool) {
    this.parser = newParser(RESPONSE, MAX_HEAD, this);
  }

  run(opts: Dispatcher.DispatchOptions, handler: Handler): void {
    this.handler = handler;
    this.method = opts.method;
    this.status = 0;
    this.headersDone = false;
    this.completed = false;
    this.ending = false;
    this.bodyLeft = 0;
    this.surplus = false;
    this.gotBody = false;
    this.reusable = false;
    this.sent = false;
    this.trailers = undefined;
    this.pool.busy.add(this);
    // the last exchange may have ended paused (its client was slow to take the final bytes)
    if (this.paused) this.resume();
    this.headersTimeout = opts.headersTimeout ?? 300_000;
    this.bodyTimeout = opts.bodyTimeout ?? 300_000;
    if (this.socket === undefined) return this.dial(opts);
    this.start(opts);
  }

  private dial(opts: Dispatcher.DispatchOptions): void {
    const p = this.pool;
    const s = connect({ host: p.host, port: p.port, noDelay: true });
    this.socket = s;
    this.connectBy = Date.now() + p.connectTimeout;
    s.on('data', (chunk: Buffer) => this.data(chunk));
    s.on('end', () => this.ended());
    s.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    s.on('close', () => this.fail(failure('the backend closed the connection', 'UND_ERR_SOCKET')));
    s.once('connect', () => {
      this.connectBy = 0;
      if (this.handler !== undefined) this.start(opts);
    });
  }

  /** Hand the exchange its abort, then write the request. */
  private start(opts: Dispatcher.DispatchOptions): void {
    const h = this.handler!;
    h.onConnect((err?: Error) => this.abort(err));
    if (this.handler !== h || this.dead) return; // aborted at once (the exchange gave up while queued)
    const body = opts.body as AsyncIterable<Buffer> | null | undefined;
    const head = requestHead(this.method, opts.path, opts.headers as string[], body != null, this.pool.hostField);
    const s = this.socket!;
    this.headersBy = Date.now() + this.headersTimeout;
    if (body == null) {
      s.write(head.text, 'latin1');
      this.sent = true;
      return;
    }
    s.write(head.text, 'latin1');
    void this.writeBody(body, head.chunked, h, (opts as RawDispatchOptions).trailers);
  }

  private async writeBody(body: AsyncIterable<Buffer>, chunked: boolean, h: Handler, trailers: RawDispatchOptions['trailers']): Promise<void> {
    const s = this.socket!;
    try {
      for await (const chunk of body) {
        if (this.handler !== h || this.dead) return;
        if (chunk.length === 0) continue;
        const ok = chunked ? (s.write(`\r\n${chunk.length.toString(16)}\r\n`, 'latin1'), s.write(chunk)) : s.write(chunk);
        if (!ok) await new Promise<void>((resolve) => {
          s.once('drain', resolve);
          s.once('close', resolve);
        });
      }
      if (this.handler !== h || this.dead) return;
      if (chunked) s.write(lastChunk(trailers?.()), 'latin1');
      this.sent = true;
      if (!this.headersDone) this.headersBy = Date.now() + this.headersTimeout;
      if (this.completed) this.settled();
    } catch (err) {
      if (this.handler === h) this.fail(err as Error);
    }
  }

  // ---- the response ----
  private data(chunk: Buffer): void {
    if (this.handler === undefined) {
      // bytes nobody asked for: this connection's framing cannot be trusted
      this.destroy();
      return;
    }
    this.bodyBy = this.headersDone ? Date.now() + this.bodyTimeout : 0;
    let off = 0;
    while (off < chunk.length) {
      if (this.bodyLeft > 0) {
        // a Content-Length body is counted here and handed on as slices of the chunk: llhttp
        // would copy every body byte into a new Buffer (node's binding does)
        const n = Math.min(this.bodyLeft, chunk.length - off);
        this.bodyLeft -= n;
        const part = n === chunk.length ? chunk : chunk.subarray(off, off + n);
        off += n;
        this.onBody(part);
        if (this.bodyLeft === 0 && this.handler !== undefined) this.ending = true;
        continue;
      }
      if (this.ending) {
        this.surplus = true; // bytes after a whole response: judged in complete()
        break;
      }
      // llhttp gets the bytes up to the end of the next head when that end is in this chunk, so
      // onHeadersComplete knows nothing of the body follows in what it was given
      const e = this.headersDone ? -1 : chunk.indexOf(HEAD_END, off);
      const end = e === -1 ? chunk.length : e + 4;
      this.headOnly = e !== -1;
      const ret = this.parser.execute(off === 0 && end === chunk.length ? chunk : chunk.subarray(off, end));
      this.headOnly = false;
      if (typeof ret !== 'number') {
        if (!this.ending) return this.fail(ret);
        this.surplus = true; // garbage after a whole response: judged in complete()
        break;
      }
      if (this.handler === undefined) return; // the exchange ended inside a callback
      off = end;
    }
    // the response is reported complete only once the whole chunk is read: bytes after it (a
    // backend that sent more than it framed) fail the exchange instead (as undici does)
    if (this.ending) this.complete();
  }

  /** The parser reached the end of the response; the exchange hears of it after the chunk. */
  private ending = false;
  /** Bytes of a Content-Length body still to come, read past llhttp (data above). */
  private bodyLeft = 0;
  /** What llhttp is given now ends exactly where a response head ends. */
  private headOnly = false;
  private complete(): void {
    this.ending = false;
    const h = this.handler;
    if (h === undefined) return;
    if (this.surplus) {
      // nothing relayed yet (a bodiless answer): refuse it; a relayed body stands, the connection goes
      if (!this.gotBody && this.method !== 'HEAD') return this.fail(failure('the backend sent bytes after its response', 'UND_ERR_SOCKET'));
      this.reusable = false;
    }
    this.completed = true;
    this.bodyBy = 0;
    const t = this.trailers;
    this.trailers = undefined;
    this.fields = [];
    h.onComplete(t ?? null);
    if (this.sent && this.handler === h) this.settled();
  }

  /** A message began after the response ended: the backend framed its answer wrongly. */
  private surplus = false;
  /** Body bytes of this response were handed on. */
  private gotBody = false;

  private ended(): void {
    // a response delimited by the close ends here
    if (this.handler !== undefined && this.headersDone && !this.completed) {
      const err = this.parser.finish();
      if (err !== undefined) this.fail(err);
      else if (this.ending) this.complete();
    }
    this.reusable = false;
    this.socket?.end();
  }

  onMessageBegin(): void {
    if (this.ending) this.surplus = true;
  }

  onHeaders(fields: string[]): void {
    for (let i = 0; i < fields.length; i++) this.fields.push(fields[i]!);
    if (this.headersDone) this.trailers = this.fields;
  }

  onHeadersComplete(_major: number, _minor: number, fields: string[] | undefined, _method: number | undefined, _url: string | undefined,
    status: number | undefined, text: string | undefined, _upgrade: boolean, keepAlive: boolean): number {
    const raw = fields ?? this.fields;
    this.fields = [];
    this.status = status ?? 0;
    this.statusText = text ?? '';
    const h = this.handler;
    if (h === undefined || this.ending) return 0;
    if (this.status < 200) {
      // 100 and other interim answers are not relayed (a 101 was not asked for: an error)
      if (this.status === 101) this.fail(failure('unexpected 101 from the backend', 'UND_ERR_SOCKET'));
      return 0;
    }
    this.headersDone = true;
    this.headersBy = 0;
    this.bodyBy = Date.now() + this.bodyTimeout;
    this.reusable = keepAlive;
    h.onHeaders(this.status, raw, this.resume, this.statusText);
    if (this.method === 'HEAD') return 1;
    // a body framed by Content-Length alone, with nothing of it in llhttp's hands: read it past
    // llhttp (1 tells llhttp the message ends at its head; llhttp has checked the framing fields)
    if (this.headOnly && this.status !== 204 && this.status !== 304) {
      const length = contentLength(raw);
      if (length !== undefined && length > 0) {
        this.bodyLeft = length;
        return 1;
      }
    }
    return 0;
  }

  onBody(chunk: Buffer): void {
    const h = this.handler;
    if (h === undefined || this.completed || this.ending) return;
    this.gotBody = true;
    if (!h.onData(chunk) && !this.paused) {
      this.paused = true;
      this.socket?.pause();
    }
  }

  onMessageComplete(): void {
    if (this.status < 200) return; // an interim answer: the real one follows
    if (this.bodyLeft > 0) return; // its body is read past llhttp (data)
    if (this.handler !== undefined) this.ending = true;
  }

  /** The exchange is over: reuse the connection or close it. */
  private settled(): void {
    const keep = this.reusable && this.method !== 'HEAD' && !this.dead;
    this.handler = undefined;
    if (keep) this.pool.release(this);
    else this.destroy();
  }

  /** The pool's sweep: deadlines of the exchange in flight. */
  check(now: number): void {
    if (this.connectBy !== 0 && now > this.connectBy) this.fail(failure('connect timeout', 'UND_ERR_CONNECT_TIMEOUT'));
    // while the client's body is still on its way, the backend is not late (undici counts the same)
    else if (this.headersBy !== 0 && now > this.headersBy && (this.sent || this.socket?.writableNeedDrain === true)) this.fail(failure('no response headers in time', 'UND_ERR_HEADERS_TIMEOUT'));
    else if (this.bodyBy !== 0 && !this.paused && now > this.bodyBy) this.fail(failure('no response body data in time', 'UND_ERR_BODY_TIMEOUT'));
  }

  private abort(err?: Error): void {
    if (this.handler === undefined) return;
    this.fail(err ?? failure('request aborted', 'UND_ERR_ABORTED'));
  }

  /** The exchange in flight fails; the connection is not reused. */
  private fail(err: Error): void {
    const h = this.handler;
    this.handler = undefined;
    this.destroy();
    if (h !== undefined && !this.completed) h.onError(err);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.handler = undefined;
    this.socket?.destroy();
    // this may run inside one of the parser's own callbacks: free it once execute has returned
    const parser = this.parser;
    queueMicrotask(() => parser.close());
    this.pool.dropped(this);
  }
}

