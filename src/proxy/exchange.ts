// One proxied request: decide, dispatch through the backend's undici pool, stream the answer back,
// retry safe failures on another backend. Implements undici's raw-header handler interface so
// response headers are never parsed into an object.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../errors.js';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { Routed } from '../pipeline/admit.js';
import { decideAttempt, warmChoice } from '../pipeline/decide.js';
import type { ProxyHost } from './host.js';
import type { AccessRecord, UpstreamResult } from './records.js';
import type { ClientRequest, ClientResponse } from './client.js';
import type { RawDispatchOptions } from '../engine/upstream.js';
import { requestHeaders, responseHeaders } from './headers.js';
import { editHeaders } from '../pipeline/route-actions.js';
import { sendError } from './respond.js';
import { sendNoBackend } from './sorry.js';
import { mayRetry, upstreamFailure } from './upstream.js';
import { connectionEnds } from '../proxy-protocol/accept.js';
import type { Limits } from '../config/normalized.js';
import { BodyError, guardedBody } from './body.js';
import { tlsOptions } from './tls-options.js';
import type { Shadowed } from '../pools/shadow.js';
import { echoId, forwardId, withId } from './request-id.js';

const EXCHANGE = Symbol('switchyard.exchange');
type ExchangeResponse = ClientResponse & { [EXCHANGE]?: Exchange };

function onResponseClose(this: ClientResponse): void {
  const ex = (this as ExchangeResponse)[EXCHANGE];
  (this as ExchangeResponse)[EXCHANGE] = undefined;
  ex?.onClientClose();
}


/**
 * Uploads in flight per backend and client address. One client may stream request bodies over at
 * most half of a backend's upstream connections, so slow uploads from one address cannot take
 * every connection (docs/security.md, "Limits").
 */
const uploads = new WeakMap<BackendState, Map<string, number>>();

function uploadsOf(b: BackendState): Map<string, number> {
  let m = uploads.get(b);
  if (m === undefined) uploads.set(b, (m = new Map()));
  return m;
}

export type { AccessRecord, UpstreamResult } from './records.js';

/** What an HTTP/2 stream gives in place of the HTTP/1 request's own (src/listen/h2.ts). */
export interface StreamView {
  /** Without pseudo-headers, Host from :authority (src/listen/h2-head.ts). */
  readonly rawHeaders: readonly string[];
  /** The client connection (TLS or plain), not node:http2's per-stream proxy of it. */
  readonly socket: Socket;
  /** The stream did not end with its HEADERS frame (HTTP/2 bodies need no Content-Length). */
  readonly hasBody: boolean;
  /** The stream's request: 'aborted' when the client resets the stream. */
  readonly stream: { once(event: 'aborted', fn: () => void): unknown };
  /** The stream's response: trailers relayed from the backend. */
  readonly trailers: { addTrailers(t: Record<string, string>): void };
  /** The stream's request: its trailers once the body has ended (node:http2 compat `trailers`). */
  readonly request: { readonly trailers: Record<string, string | string[] | undefined> };
}

export class Exchange implements Dispatcher.DispatchHandler {
  private backend: BackendState | null = null;
  private avoid: Set<string> | undefined;
  private attempts = 0;
  private abortUpstream: ((err?: Error) => void) | undefined;
  private gotHeaders = false;
  /** The response head, until the first body byte or the end writes it. */
  private head: string[] | undefined;
  private statusText = '';
  private done = false;
  private t0 = 0;
  private tHeaders = 0;
  private readonly started = performance.now();
  private readonly hasBody: boolean;
  private readonly pool: PoolRuntime;
  private error: ErrorCode | undefined;
  private status = 0;
  private resumeFn: (() => void) | undefined;
  private affCookie: string | undefined;
  /** This attempt counts in `uploads` (a request with a body). */
  private uploading = false;
  /** Armed when the backend has no free upstream connection: the wait counts against the pool timeout. */
  private deadline: NodeJS.Timeout | undefined;
  private connected = false;
  /** Body bytes in (from the client) and out (to it), for the access record. */
  private readonly bytes = { in: 0, out: 0 };

  constructor(
    private readonly host: ProxyHost,
    private readonly req: ClientRequest,
    private readonly res: ClientResponse,
    /** The pipeline's result (pipeline/admit.ts), with the snapshot this request keeps. */
    private readonly r: Routed,
    private readonly limits: Limits,
    /** The listener's allowUnderscoreHeaders. */
    private readonly allowUnderscore = false,
    /** Set for an HTTP/2 stream. */
    private readonly h2?: StreamView,
  ) {
    const te = req.headers['transfer-encoding'];
    const cl = req.headers['content-length'];
    this.hasBody = h2 ? h2.hasBody : te !== undefined || (cl !== undefined && cl !== '0');
    this.pool = r.pool;
    // one shared listener (no closure per request); it finds this exchange on the response
    (res as ExchangeResponse)[EXCHANGE] = this;
    res.on('close', onResponseClose);
    // a reset HTTP/2 stream ends its request as if complete (node:http2 compat): abort instead
    if (h2) h2.stream.once('aborted', () => this.onStreamAborted());
  }

  /** The client reset this HTTP/2 stream: the upstream request must not finish with a cut body. */
  private streamAborted = false;

  private onStreamAborted(): void {
    this.streamAborted = true;
  }

  /** An HTTP/2 body: node:http2 ends a reset stream's request as if complete; throw instead. */
  private async *streamBody(body: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of body) yield c;
    if (this.streamAborted) throw new BodyError('SY_ERR_CLIENT_ABORTED', 'the client reset the stream');
  }

  run(): void {
    // with a shared store, a client's first request here may wait for one store read (at the edge)
    const warming = warmChoice(this.r);
    if (warming !== undefined) {
      void warming.then(() => {
        if (!this.done) this.admit();
      });
      return;
    }
    this.admit();
  }

  private admit(): void {
    const limit = this.pool.admissionLimit();
    if (limit !== undefined && this.pool.inFlight >= limit) {
      const timer = setTimeout(() => {
        const i = this.pool.waiting.indexOf(go);
        if (i !== -1) this.pool.waiting.splice(i, 1);
        this.fail('SY_ERR_QUEUE_TIMEOUT');
      }, this.pool.spec.timeout);
      const go = () => {
        clearTimeout(timer);
        if (!this.done) this.attempt();
      };
      this.pool.waiting.push(go);
      return;
    }
    this.attempt();
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
    const slots = this.host.upstreams.connections;
    if (this.hasBody) {
      const m = uploadsOf(b);
      const n = m.get(this.r.clientIp) ?? 0;
      if (n >= slots >> 1) {
        this.fail('SY_ERR_CLIENT_UPLOADS', ['retry-after', '1']);
        return;
      }
      m.set(this.r.clientIp, n + 1);
      this.uploading = true;
    }
    // a shadow scheduler decides beside the live one and only records (src/pools/shadow.ts)
    if (this.pool.shadow !== undefined) this.shadowed = this.pool.shadow.decide(this.r.ctx, this.r.facts, this.r.clientIp, this.pool.spec.hashKey, this.pool.backends, b);
    this.backend = b;
    this.attempts++;
    this.gotHeaders = false;
    this.connected = false;
    // every upstream connection of this backend is taken: the request will queue, and the wait
    // counts against the pool's timeout
    if (b.active >= slots) this.deadline = setTimeout(() => this.onDeadline(), this.pool.spec.timeout);
    this.pool.start(b, this.r.ctx.now);
    this.t0 = performance.now();
    const req = this.req;
    const socket = this.h2?.socket ?? req.socket;
    let headers = editHeaders(requestHeaders(this.h2?.rawHeaders ?? req.rawHeaders, req.headers.connection, {
      peerIp: this.r.peer, proto: 'encrypted' in socket ? 'https' : 'http', trusted: this.r.trusted, upgrade: false, allowUnderscore: this.allowUnderscore,
    }), this.r.route.actions?.request);
    // node:http already answered `100 Continue` to the client; undici cannot forward Expect
    if (req.headers.expect !== undefined) headers = withoutExpect(headers);
    headers = forwardId(headers, this.r.requestId);
    const opts: Dispatcher.DispatchOptions = {
      path: this.r.target,
      method: req.method as Dispatcher.HttpMethod,
      headers,
      // undici takes async iterables as bodies (lib/core/request.js); its types list only streams
      body: this.hasBody ? (this.body() as AsyncIterable<Buffer> as Readable) : null,
      headersTimeout: this.pool.spec.timeout,
      bodyTimeout: this.pool.spec.timeout,
    };
    // an HTTP/2 request's trailers follow its chunked body upstream (the raw upstream writes them)
    const h2 = this.h2;
    if (h2 !== undefined) (opts as RawDispatchOptions).trailers = () => h2.request.trailers;
    const sp = this.pool.spec.sendProxy;
    // sendProxy: a connection of this client's own, opened with a PROXY header (proxy-protocol/upstreams.ts)
    const up = sp === undefined
      // the fast engine's requests and HTTP/2 streams go over raw connections to http: backends
      ? ((this.req.rawUpstream === true || h2 !== undefined) && b.protocol === 'http:' ? this.host.raw.get(b, this.pool.spec) : this.host.upstreams.get(b, this.pool.spec))
      : this.host.proxied.get(b, sp, socket, connectionEnds(socket), this.pool.spec.connectTimeout, tlsOptions(this.pool.spec.tls, b.host));
    up.dispatch(opts, this);
  }

  private body(): AsyncGenerator<Buffer> {
    const b = guardedBody(this.req, this.limits.bodyTimeout, this.r.maxBodySize, this.bytes);
    return this.h2 ? this.streamBody(b) : b;
  }

  /** The pool timeout ran out while the request waited for a connection or for response headers. */
  private onDeadline(): void {
    this.deadline = undefined;
    if (this.gotHeaders || this.done) return;
    const code: ErrorCode = this.connected ? 'SY_ERR_UPSTREAM_TIMEOUT' : 'SY_ERR_UPSTREAM_BUSY';
    this.settle(this.connected ? 'timeout' : 'aborted');
    this.fail(code);
    // a queued request leaves undici's queue when it is dispatched (onConnect aborts it)
    this.abortUpstream?.(new Error('pool timeout'));
  }

  // ---- undici handler (raw headers) ----
  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    this.connected = true;
    if (this.done || this.streamAborted) abort(new Error('client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: (Buffer | string)[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 100-continue and other interim answers are not relayed
    this.gotHeaders = true;
    this.tHeaders = performance.now();
    this.status = statusCode;
    const { headers: raw, contentType, cache, contentLength } = responseHeaders(rawHeaders);
    const headers = editHeaders(raw, this.r.route.actions?.response);
    this.cache = cache;
    if (this.shadowed !== undefined) this.pool.shadow?.answered(this.shadowed, this.backend?.id ?? '', contentLength);
    if (this.pool.misroute !== undefined) this.pool.misroute.answer(statusCode, contentType, this.r.route.name, this.backend?.id ?? '', this.r.facts.path, this.pool.spec.learnMime || this.r.snap.config.learnMime);
    // the snapshot this request started with, not one a reload swapped in since
    if (contentType !== undefined && (this.pool.spec.learnMime || this.r.snap.config.learnMime)) {
      this.host.learned.learn(this.r.facts.path, contentType);
    }
    if (this.affCookie !== undefined) headers.push('set-cookie', this.affCookie);
    echoId(headers, this.r.requestId);
    const res = this.res;
    if (this.done || res.destroyed) return false;
    // HTTP/2 has no Connection field (the session's GOAWAY says it)
    if (this.host.closing && this.h2 === undefined) headers.push('connection', 'close');
    // written with the first body byte or the end (node:http sends a head no sooner anyway), so
    // a response that breaks before any body byte can still be answered 502
    this.head = headers;
    this.statusText = statusText;
    this.resumeFn = resume;
    return true;
  }

  private writeHead(): void {
    // HTTP/2 has no reason phrase (node:http2 warns when given one)
    if (this.h2) this.res.writeHead(this.status, this.head!);
    else this.res.writeHead(this.status, this.statusText || undefined, this.head!);
    this.head = undefined;
  }

  onData(chunk: Buffer): boolean {
    if (this.head !== undefined) this.writeHead();
    this.bytes.out += chunk.length;
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.resumeFn!);
    return ok;
  }

  onComplete(trailers: (Buffer | string)[] | null): void {
    if (this.head !== undefined) this.writeHead();
    // HTTP/2 carries a backend's chunked trailers (an HTTP/1.1 client gets none, as before)
    if (this.h2 && trailers && trailers.length > 0) this.h2.trailers.addTrailers(trailerFields(trailers));
    this.res.end();
    this.settle(this.status >= 500 ? 'http5xx' : 'ok');
  }

  onError(err: Error): void {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (this.done) {
      this.settle(this.error === 'SY_ERR_UPSTREAM_BUSY' || this.error === 'SY_ERR_CLIENT_ABORTED' ? 'aborted' : 'reset');
      return;
    }
    if (this.streamAborted) {
      this.settle('aborted');
      this.fail('SY_ERR_CLIENT_ABORTED');
      return;
    }
    if (err instanceof BodyError) {
      // the client's fault, not the backend's: answer 408/413 (if nothing was sent yet) and close
      this.settle('aborted');
      this.res.shouldKeepAlive = false;
      if (this.gotHeaders && this.head === undefined) this.res.destroy();
      this.head = undefined;
      this.fail(err.code);
      return;
    }
    if (this.gotHeaders && this.head !== undefined) {
      // the backend's answer broke before its first body byte: nothing reached the client yet
      this.head = undefined;
      this.settle('reset');
      this.fail('SY_ERR_UPSTREAM_RESET');
      return;
    }
    if (this.gotHeaders) {
      // the answer had started: nothing to do but cut the client off
      this.settle('reset');
      this.res.destroy(err);
      return;
    }
    const f = upstreamFailure(code, code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT');
    this.settle(f.result);
    this.error = f.error;
    if (mayRetry(f, this.req.method!, this.hasBody, this.attempts, this.pool.spec.retries)) {
      (this.avoid ??= new Set()).add(this.lastId!);
      this.attempt();
      return;
    }
    this.fail(this.error);
  }

  // ---- bookkeeping ----
  /** One attempt on this.backend is over. */
  private settle(result: UpstreamResult | 'aborted'): void {
    const b = this.backend;
    if (b === null) return;
    this.backend = null;
    this.lastId = b.id;
    if (this.deadline !== undefined) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
    if (this.uploading) {
      this.uploading = false;
      const m = uploadsOf(b);
      const ip = this.r.clientIp;
      const n = (m.get(ip) ?? 1) - 1;
      if (n === 0) m.delete(ip);
      else m.set(ip, n);
    }
    const now = performance.now();
    const rtt = (this.tHeaders || now) - this.t0;
    this.pool.end(b, rtt, result === 'ok', Date.now());
    // an attempt the client or the queue ended says nothing about the backend's health
    if (result !== 'aborted') this.host.upstreamResult(this.pool, b, result);
    if (result === 'ok' || result === 'http5xx') this.finish();
  }

  private fail(code: ErrorCode, extra?: string[]): void {
    this.error = code;
    if (code === 'SY_ERR_CLIENT_ABORTED') this.status = 499;
    else if (!this.done) {
      this.status = code === 'SY_ERR_NO_BACKEND' ? 503 : 0;
      if (code === 'SY_ERR_NO_BACKEND') sendNoBackend(this.res, this.r); // the pool's sorry answer, if any
      else sendError(this.res, code, withId(extra ? Object.fromEntries([extra as [string, string]]) : undefined, this.r.requestId));
      this.status = this.res.statusCode;
    }
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const rec: AccessRecord = {
      method: this.req.method!,
      path: this.r.facts.path,
      status: this.status || this.res.statusCode,
      route: this.r.route.name,
      pool: this.pool.name,
      backend: this.lastId,
      clientIp: this.r.clientIp,
      ms: performance.now() - this.started,
      attempts: this.attempts,
      error: this.error,
      cache: this.cache,
      bytesIn: this.bytes.in, bytesOut: this.bytes.out, upstreamMs: this.tHeaders > 0 ? this.tHeaders - this.t0 : undefined,
      userAgent: this.r.facts.headers['user-agent'], referer: this.r.facts.headers.referer,
      fallbackFrom: this.r.fallbackFrom[0],
      requestId: this.r.requestId?.value,
    };
    this.host.requestDone(rec);
  }

  private lastId: string | undefined;
  private cache: string | undefined;
  private shadowed: Shadowed | undefined;

  /** @internal the client's response closed (finished, or the client went away). */
  onClientClose(): void {
    if (!this.res.writableFinished) {
      // client went away: stop the upstream request so nothing leaks
      this.abortUpstream?.(new Error('client closed the connection'));
      if (!this.done && this.backend === null) this.finish();
    }
  }
}

/** Request headers without Expect (rare: only uploads carry it). */
function withoutExpect(h: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (h[i]!.length !== 6 || h[i]!.toLowerCase() !== 'expect') out.push(h[i]!, h[i + 1]!);
  return out;
}

/** undici's raw trailers as fields node:http2 accepts (hop-by-hop names left out). */
function trailerFields(raw: (Buffer | string)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = latin1(raw[i]!).toLowerCase();
    if (name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding' || name === 'te' || name === 'upgrade' || name === 'proxy-connection') continue;
    const v = latin1(raw[i + 1]!);
    out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`;
  }
  return out;
}

function latin1(v: Buffer | string): string {
  return typeof v === 'string' ? v : v.toString('latin1');
}
