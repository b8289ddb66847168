// One client connection on the fast engine: llhttp parses what the socket brings (src/engine/
// llhttp.ts), each request waits its turn (one in flight, answers in order, at most MAX_QUEUED
// behind it, as src/proxy/serial.ts does for node:http) and then goes to the shared front
// (src/listen/serve.ts), exactly as a node:http request does. Upgrades leave the engine for
// src/proxy/upgrade.ts and come back through `resume` when the backend does not switch protocols.
import type { Socket } from 'node:net';
import { clientError } from '../listen/client-error.js';
import { serveRequest, serveUpgrade, type HttpFront } from '../listen/serve.js';
import { MAX_QUEUED } from '../proxy/serial.js';
import { METHODS, newParser, REQUEST, type Parser, type ParseError, type ParserCallbacks } from './llhttp.js';
import { FastRequest, type BodyFlow } from './request.js';
import { FastResponse, type ResponseOwner } from './response.js';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** What a connection reads of its listener (src/engine/listener.ts). */
export interface ConnOwner {
  readonly front: HttpFront;
  /** A connection ended: stop watching it. */
  forget(c: ClientConnection): void;
  /** An upgrade connection came back as HTTP: watch it again. */
  adopt(socket: Socket): void;
  /** A request head was read on `socket`. */
  served(socket: Socket): void;
}

export class ClientConnection implements ParserCallbacks, BodyFlow, ResponseOwner {
  private parser: Parser | undefined;
  /** Parsed requests waiting for their turn. */
  private readonly queue: FastRequest[] = [];
  private current: FastRequest | undefined;
  private currentRes: FastResponse | undefined;
  /** The request whose body the parser is in. */
  private parsing: FastRequest | undefined;
  /** Header fields the binding handed over before the head was complete. */
  private fields: string[] = [];
  private url = '';
  /** ms when the message being parsed began, until its head is complete (0: none). */
  headStart: number;
  /** ms when the message being parsed began, until it is complete (0: none). */
  msgStart = 0;
  /** ms since the connection has been idle between requests (0: busy). */
  idleSince = 0;
  /** More than MAX_QUEUED waiting, a parse error, an upgrade or the end: read nothing more. */
  private stopped = false;
  /** The parser's error, answered once the requests before it are. */
  private failure: NodeJS.ErrnoException | undefined;
  private bodyPaused = false;
  private waitPaused = false;
  private readonly onData = (chunk: Buffer) => this.data(chunk);
  private readonly onEnd = () => this.end();

  constructor(readonly socket: Socket, private readonly owner: ConnOwner, now: number) {
    this.headStart = now;
    this.parser = newParser(REQUEST, owner.front.listen.limits.maxHeaderSize, this);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', () => undefined); // 'close' follows
    socket.once('close', () => this.closed());
  }

  // ---- reading ----
  private data(chunk: Buffer): void {
    const p = this.parser;
    if (p === undefined || this.stopped) return;
    const ret = p.execute(chunk);
    if (typeof ret !== 'number') this.parseError(ret);
    else {
      const last = this.queue.length > 0 ? this.queue[this.queue.length - 1] : this.current;
      // an upgrade's head is parsed: what follows it is the tunnel's, not HTTP
      if (last !== undefined && last.upgrade && !this.stopped) this.stopForUpgrade(last, chunk.subarray(ret));
    }
    this.pump();
  }

  /** The client half-closed: requests already read are still answered. */
  private end(): void {
    if (this.parsing !== undefined) this.parsing.abort(new Error('client closed the connection during the body'));
    this.stopped = true;
    if (this.current === undefined && this.queue.length === 0) this.socket.end();
  }

  onMessageBegin(): void {
    this.headStart = this.msgStart = Date.now();
    this.idleSince = 0;
  }

  onHeaders(fields: string[], url: string): void {
    if (this.parsing !== undefined) return; // trailers of a chunked body are not forwarded
    for (let i = 0; i < fields.length; i++) this.fields.push(fields[i]!);
    this.url += url;
  }

  onHeadersComplete(major: number, minor: number, fields: string[] | undefined, method: number | undefined, url: string | undefined,
    _status: number | undefined, _text: string | undefined, upgrade: boolean, keepAlive: boolean): number {
    const raw = fields ?? this.fields;
    const target = url ?? this.url;
    this.fields = [];
    this.url = '';
    const name = METHODS[method ?? -1] ?? 'GET';
    if (name === 'CONNECT') {
      // node:http closes a CONNECT it has no handler for; so does this engine
      this.socket.destroy();
      return 2;
    }
    this.headStart = 0;
    this.owner.served(this.socket);
    const req = new FastRequest(name, target, major, minor, raw, this.socket, upgrade, keepAlive, this);
    if (this.queue.length + (this.current === undefined ? 0 : 1) > MAX_QUEUED) {
      // no further request on this connection is taken: the last one taken closes it
      this.stopped = true;
      this.queue[this.queue.length - 1]!.closeAfter = true;
      return 2;
    }
    if (this.current !== undefined || this.queue.length > 0) this.waitPause();
    this.queue.push(req);
    this.parsing = req;
    return upgrade ? 2 : 0;
  }

  onBody(chunk: Buffer): void {
    this.parsing?.push(chunk);
  }

  onMessageComplete(): void {
    const req = this.parsing;
    this.parsing = undefined;
    this.headStart = this.msgStart = 0;
    req?.end();
  }

  private parseError(err: ParseError): void {
    this.stopped = true;
    this.failure = err;
    const req = this.parsing;
    this.parsing = undefined;
    if (req === undefined) return;
    // an error inside a body (a bad chunk, a bad trailer): that request ends with the error
    req.abort(err);
    if (req === this.current) return this.answerFailure();
    const i = this.queue.indexOf(req);
    if (i !== -1) this.queue.splice(i, 1);
  }

  /** A limit of the listener ran out (src/engine/listener.ts sweeps): 408, as node:http answers. */
  timedOut(): void {
    if (this.socket.destroyed) return;
    this.headStart = this.msgStart = 0;
    const err = Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    this.stopped = true;
    this.parsing?.abort(err);
    this.failure = err;
    if (this.parsing !== undefined && this.parsing === this.current) this.answerFailure();
    else this.pump();
  }

  private answerFailure(): void {
    const err = this.failure!;
    this.failure = undefined;
    this.currentRes?.gone();
    clientError(err, this.socket);
  }

  // ---- turns ----
  /** Start the next request when none is in flight; answer a parse error when its turn comes. */
  private pump(): void {
    if (this.current !== undefined || this.socket.destroyed) return;
    const req = this.queue.shift();
    if (req === undefined) {
      if (this.failure !== undefined) this.answerFailure();
      else if (this.stopped && this.parsing === undefined) this.socket.end();
      else this.idleSince = Date.now();
      return;
    }
    this.idleSince = 0;
    this.current = req;
    if (this.queue.length === 0) this.waitResume();
    const front = this.owner.front;
    if (req.upgrade) {
      this.current = undefined;
      this.leave();
      serveUpgrade(front, (s) => this.owner.adopt(s), req, this.socket, this.tunnelHead ?? Buffer.alloc(0));
      this.tunnelHead = undefined;
      return;
    }
    const res = new FastResponse(this.socket, req, this);
    this.currentRes = res;
    if (req.closeAfter) res.shouldKeepAlive = false;
    const expect = req.headers.expect;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== '100-continue') {
        res.writeHead(417, ['content-length', '0']);
        res.end();
        return;
      }
      this.socket.write(CONTINUE, 'latin1');
    }
    serveRequest(front, req, res);
  }

  /** The bytes after an upgrade request's head (they belong to the tunnel). */
  private tunnelHead: Buffer | undefined;

  private stopForUpgrade(req: FastRequest, rest: Buffer): void {
    this.stopped = true;
    req.end();
    this.parsing = undefined;
    this.tunnelHead = rest.length > 0 ? Buffer.from(rest) : undefined;
    this.socket.pause();
  }

  /** The connection is no longer this engine's (an upgrade took it). */
  private leave(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.freeParser();
    this.owner.forget(this);
  }

  // ---- ResponseOwner ----
  responded(res: FastResponse): void {
    if (res !== this.currentRes) return;
    const req = this.current!;
    this.current = undefined;
    this.currentRes = undefined;
    if (!res.shouldKeepAlive || !req.complete) {
      // the body was not read to its end: what follows on the connection cannot be parsed
      this.stopped = true;
      this.queue.length = 0;
      if (!req.complete) this.socket.destroySoon();
      else this.socket.end();
      return;
    }
    queueMicrotask(() => this.pump());
  }

  broken(res: FastResponse): void {
    if (res !== this.currentRes) return;
    this.stopped = true;
    this.queue.length = 0;
    this.socket.destroy();
  }

  // ---- flow ----
  pauseBody(): void {
    this.bodyPaused = true;
    this.socket.pause();
  }

  resumeBody(): void {
    this.bodyPaused = false;
    if (!this.waitPaused) this.socket.resume();
  }

  /** While a request waits behind another, nothing more is read (node:http's serial rule too). */
  private waitPause(): void {
    this.waitPaused = true;
    this.socket.pause();
  }

  private waitResume(): void {
    if (!this.waitPaused) return;
    this.waitPaused = false;
    if (!this.bodyPaused && !this.stopped) this.socket.resume();
  }

  /** Idle between requests (no message begun, none in flight): keepAliveTimeout applies. */
  get idle(): boolean {
    return this.idleSince !== 0 && this.current === undefined && this.queue.length === 0;
  }

  /** Close an idle connection (shutdown, keep-alive timeout). */
  closeIfIdle(): boolean {
    if (!this.idle || this.msgStart !== 0) return false;
    this.socket.destroy();
    return true;
  }

  private closed(): void {
    this.stopped = true;
    this.parsing?.abort(new Error('client closed the connection'));
    for (const q of this.queue) q.abort(new Error('client closed the connection'));
    this.queue.length = 0;
    this.currentRes?.gone();
    this.freeParser();
    this.owner.forget(this);
  }

  private freeParser(): void {
    const p = this.parser;
    if (p === undefined) return;
    this.parser = undefined;
    // this may run inside one of the parser's own callbacks: free it once execute has returned
    queueMicrotask(() => p.close());
  }
}
