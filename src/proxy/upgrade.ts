// WebSocket and other Upgrade requests (docs/security.md#upgrade-requests-websocket-h2c): routed like any
// request, sent upstream on a connection of their own, tunnelled only once the backend answers 101.
// Any other answer is relayed as an ordinary response and the client connection goes back to
// node:http, so the next request on it is parsed, routed and checked like any other.
import { request as httpRequest, type ClientRequest as UpstreamRequest, type IncomingMessage } from 'node:http';
import type { ClientRequest } from './client.js';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { ERRORS, type ErrorCode } from '../errors.js';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { Routed } from '../pipeline/admit.js';
import { decideAttempt, warmChoice } from '../pipeline/decide.js';
import { connectionEnds } from '../proxy-protocol/accept.js';
import { encodeHeader } from '../proxy-protocol/encode.js';
import type { UpgradeHost } from './host.js';
import type { UpstreamResult } from './records.js';
import { requestHeaders } from './headers.js';
import { editHeaders } from '../pipeline/route-actions.js';
import { echoed, forwardId, withId } from './request-id.js';
import { mayRetry, upstreamFailure } from './upstream.js';
import { errorResponse } from './respond.js';
import { noBackendResponse } from './sorry.js';
import { tlsOptions } from './tls-options.js';
import { framingFor, responseHead, wantsClose, type Framing } from './upgrade-head.js';

/** Bytes of a backend's response head we accept (node's HTTP parser enforces it). */
const MAX_RESPONSE_HEAD = 16 * 1024;

/** Connect to a backend: TCP (PROXY header first for sendProxy pools), then TLS for `https:`. */
export function dial(b: BackendState, pool: PoolRuntime, client: Socket): Socket {
  const sp = pool.spec.sendProxy;
  const tls = b.protocol === 'https:' ? tlsOptions(pool.spec.tls, b.host) : undefined;
  let raw: Socket | undefined;
  if (tls === undefined || sp !== undefined) {
    raw = connect({ host: b.host, port: b.port, noDelay: true });
    if (sp !== undefined) raw.write(encodeHeader(sp, connectionEnds(client)));
  }
  const s = tls === undefined ? raw! : tlsConnect({
    host: b.host, port: b.port, socket: raw, servername: tls.servername, ca: tls.ca,
    rejectUnauthorized: tls.rejectUnauthorized, ALPNProtocols: ['http/1.1'],
  });
  if (raw !== undefined && raw !== s) raw.once('error', (e) => s.destroy(e));
  const timer = setTimeout(() => s.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), pool.spec.connectTimeout);
  s.once(tls === undefined ? 'connect' : 'secureConnect', () => clearTimeout(timer));
  s.once('close', () => clearTimeout(timer));
  return s;
}

export class UpgradeExchange {
  private readonly pool: PoolRuntime;
  private readonly started = performance.now();
  private avoid: Set<string> | undefined;
  private attempts = 0;
  private backend: BackendState | null = null;
  private lastId: string | undefined;
  private t0 = 0;
  private rtt = 0;
  private affCookie: string | undefined;
  private upstream: UpstreamRequest | undefined;
  private tunnelSocket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private status = 0;
  private error: ErrorCode | undefined;
  /** The access record was written. */
  private done = false;
  /** The client connection was handed back to node:http or is closing. */
  private released = false;
  private readonly onClientGone = () => this.clientGone();

  constructor(
    private readonly host: UpgradeHost,
    private readonly req: ClientRequest,
    private readonly client: Socket,
    private readonly head: Buffer,
    /** The pipeline's result (pipeline/admit.ts), with the snapshot this request keeps. */
    private readonly r: Routed,
    /** Takes the connection back as HTTP (its front end) after an answer other than 101. */
    private readonly handBack: (socket: Socket) => void,
  ) {
    this.pool = r.pool;
  }

  run(): void {
    this.client.on('error', this.onClientGone);
    this.client.on('close', this.onClientGone);
    const warming = warmChoice(this.r);
    if (warming !== undefined) void warming.then(() => this.done || this.attempt());
    else this.attempt();
  }

  private attempt(): void {
    const d = decideAttempt(this.r, this.avoid);
    if (d.setCookie !== undefined) this.affCookie = d.setCookie;
    const b = d.backend;
    if (b === null) {
      if (this.attempts > 0) this.fail(this.error ?? 'SY_ERR_UPSTREAM_CONNECT');
      else this.fail('SY_ERR_NO_BACKEND');
      return;
    }
    this.backend = b;
    this.attempts++;
    this.pool.start(b, this.r.ctx.now);
    this.t0 = performance.now();
    const req = this.req;
    const up = httpRequest({
      method: req.method,
      path: this.r.target,
      headers: forwardId(editHeaders(requestHeaders(req.rawHeaders, req.headers.connection, { peerIp: this.r.peer, proto: 'encrypted' in req.socket ? 'https' : 'http', trusted: this.r.trusted, upgrade: true }), this.r.route.actions?.request), this.r.requestId),
      setHost: false,
      maxHeaderSize: MAX_RESPONSE_HEAD,
      createConnection: () => dial(b, this.pool, req.socket),
    });
    this.upstream = up;
    this.timer = setTimeout(() => up.destroy(Object.assign(new Error('no answer in time'), { code: 'SY_TIMEOUT' })), this.pool.spec.timeout);
    up.on('upgrade', (res: IncomingMessage, socket: Socket, upHead: Buffer) => this.onUpgrade(res, socket, upHead));
    up.on('response', (res: IncomingMessage) => this.onResponse(res));
    up.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
    up.end();
  }

  private answered(): void {
    clearTimeout(this.timer);
    this.rtt = performance.now() - this.t0;
  }

  /** 101: write it to the client, then splice both ways; the client's early bytes go first. */
  private onUpgrade(res: IncomingMessage, up: Socket, upHead: Buffer): void {
    this.answered();
    this.status = 101;
    this.tunnelSocket = up;
    const client = this.client;
    if (client.destroyed) return this.clientGone();
    const extra = this.affCookie !== undefined ? ['set-cookie', this.affCookie] : [];
    client.write(responseHead(101, res.statusMessage ?? '', echoed(editHeaders(res.rawHeaders, this.r.route.actions?.response), this.r.requestId), extra, 'upgrade', false));
    if (upHead.length > 0) client.write(upHead);
    if (this.head.length > 0) up.write(this.head);
    up.on('error', () => client.destroy());
    up.once('close', () => {
      client.destroy();
      this.settle('ok');
      this.finish();
    });
    up.pipe(client);
    client.pipe(up);
  }

  /** Any other answer: relayed as an ordinary response; the connection stays HTTP. */
  private onResponse(res: IncomingMessage): void {
    this.answered();
    this.status = res.statusCode ?? 502;
    const client = this.client;
    if (client.destroyed) {
      res.destroy();
      return this.clientGone();
    }
    const close = this.host.closing || wantsClose(this.req.headers.connection, this.req.httpVersion);
    const framing = framingFor(this.req.method!, this.status, res.headers, !close);
    const extra = this.affCookie !== undefined ? ['set-cookie', this.affCookie] : [];
    client.write(responseHead(this.status, res.statusMessage ?? '', echoed(editHeaders(res.rawHeaders, this.r.route.actions?.response), this.r.requestId), extra, framing, close));
    res.on('error', () => undefined); // a cut body is handled on 'close'
    res.on('data', (chunk: Buffer) => {
      if (framing.kind === 'none' || chunk.length === 0) return;
      if (framing.kind === 'chunked') {
        client.write(`${chunk.length.toString(16)}\r\n`);
        client.write(chunk);
      }
      if (!client.write(framing.kind === 'chunked' ? '\r\n' : chunk)) {
        res.pause();
        client.once('drain', () => res.resume());
      }
    });
    res.once('close', () => {
      if (this.released && this.backend === null) return; // the client left first (clientGone)
      if (!res.complete) {
        // the backend stopped mid-body: the client cannot be told otherwise than by closing
        this.settle('reset');
        this.finish();
        this.release();
        client.destroy();
        return;
      }
      this.upstream?.destroy(); // one request per upstream connection
      this.settle(this.status >= 500 ? 'http5xx' : 'ok');
      this.finish();
      this.giveBack(framing, close);
    });
  }

  private onError(err: NodeJS.ErrnoException): void {
    clearTimeout(this.timer);
    if (this.status !== 0 || this.backend === null) return; // answered already, or client gone
    const code = err.code ?? '';
    const f = upstreamFailure(code, code === 'SY_TIMEOUT');
    this.settle(f.result);
    this.error = f.error;
    if (mayRetry(f, this.req.method!, this.released, this.attempts, this.pool.spec.retries)) {
      (this.avoid ??= new Set()).add(this.lastId!);
      this.attempt();
      return;
    }
    this.fail(this.error);
  }

  /** After a relayed answer: give the connection (and the bytes read past the request) back to its front end. */
  private giveBack(framing: Framing, close: boolean): void {
    const client = this.client;
    if (framing.kind === 'chunked') client.write('0\r\n\r\n');
    const keep = !close && framing.kind !== 'close' && !client.destroyed;
    this.release(keep);
    if (!keep) {
      client.end();
      return;
    }
    if (this.head.length > 0) client.unshift(this.head);
    this.handBack(client);
  }

  /** Stop watching the client; unless node:http takes it back, its late errors are ignored. */
  private release(handingBack = false): void {
    this.released = true;
    this.client.off('error', this.onClientGone);
    this.client.off('close', this.onClientGone);
    if (!handingBack) this.client.on('error', () => undefined);
  }

  private clientGone(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    this.client.destroy();
    this.upstream?.destroy();
    this.tunnelSocket?.destroy();
    if (this.tunnelSocket !== undefined) return; // the tunnel's close settles it
    // left before the answer was through: not the backend's fault, so no upstream result
    const b = this.backend;
    this.backend = null;
    if (b !== null) {
      this.lastId = b.id;
      this.pool.end(b, this.rtt || performance.now() - this.t0, true, Date.now());
    }
    this.finish();
  }

  /** One attempt on this.backend is over. */
  private settle(result: UpstreamResult): void {
    const b = this.backend;
    if (b === null) return;
    this.backend = null;
    this.lastId = b.id;
    const rtt = this.rtt || performance.now() - this.t0;
    this.pool.end(b, rtt, result === 'ok', Date.now());
    this.host.upstreamResult(this.pool, b, result);
  }

  private fail(code: ErrorCode, extra?: Record<string, string>): void {
    this.error = code;
    let status: number = ERRORS[code].status;
    if (!this.released) {
      this.release();
      const sorry = code === 'SY_ERR_NO_BACKEND' ? noBackendResponse(this.r) : undefined; // the pool's sorry answer
      if (sorry !== undefined) status = sorry.status;
      this.client.end(sorry?.bytes ?? errorResponse(code, undefined, withId(extra, this.r.requestId)));
    }
    this.status = status;
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.host.requestDone({
      method: this.req.method!, path: this.r.facts.path, status: this.status, route: this.r.route.name,
      pool: this.pool.name, backend: this.lastId, clientIp: this.r.clientIp,
      ms: performance.now() - this.started, attempts: this.attempts, error: this.error,
      userAgent: this.r.facts.headers['user-agent'], referer: this.r.facts.headers.referer,
      fallbackFrom: this.r.fallbackFrom[0],
      requestId: this.r.requestId?.value,
    });
  }
}
