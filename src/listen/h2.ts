// HTTP/2 on a listener (`listen.http2`, docs/routing.md "HTTP/2"): a node:http2 server that never
// binds; src/listen/http.ts hands it the connections that chose `h2` (ALPN on a tls listener, the
// prior-knowledge preface on a cleartext one). Each stream is one request: it reaches the pipeline
// as an HTTP/1.1-shaped head (src/listen/h2-head.ts) and an Exchange with the stream's view, never
// the pipelining serializer. Limits and the rapid-reset guard (docs/security.md, "HTTP/2") are here.
import { constants, createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Http2Limits, Listen } from '../config/normalized.js';
import { Http2LimitsSchema } from '../config/schema.js';
import { admit } from '../pipeline/admit.js';
import type { ClientRequest, ClientResponse } from '../proxy/client.js';
import { answerRecord, sendAnswer } from '../proxy/answer.js';
import { Exchange } from '../proxy/exchange.js';
import { sendError } from '../proxy/respond.js';
import { withId } from '../proxy/request-id.js';
import { clientConn } from './conn.js';
import { h2Head } from './h2-head.js';
import { logRefusal, type HttpFront } from './serve.js';

/** The schema's defaults, for a Listen built without validate() (its http2Limits unset). */
function http2Defaults(maxHeaderSize: number): Http2Limits {
  const p = Http2LimitsSchema.properties;
  return {
    maxConcurrentStreams: p.maxConcurrentStreams.default as number, maxHeaderListSize: maxHeaderSize,
    maxSessionInvalidFrames: p.maxSessionInvalidFrames.default as number, maxSessionRejectedStreams: p.maxSessionRejectedStreams.default as number,
    maxOutstandingPings: p.maxOutstandingPings.default as number, maxSettings: p.maxSettings.default as number,
  };
}
/** Streams a client may cancel in RESET_WINDOW_MS before its connection is closed (CVE-2023-44487). */
export const MAX_RESETS = 100;
export const RESET_WINDOW_MS = 1000;

/** The connection under a session, set on it when it was handed over (node:http2 proxies it per stream). */
const SELF = Symbol('switchyard.h2socket');
type Tagged = Socket & { [SELF]?: Socket };

/** Per connection: open streams and the resets of the current window. */
interface Conn {
  open: number;
  windowStart: number;
  resets: number;
  /** GOAWAY sent for rapid reset. */
  cut: boolean;
  /** Runs while no stream is open: closes the connection after keepAliveTimeout. */
  idle?: NodeJS.Timeout | undefined;
}

/** The pure part of the guard: count one early-closed stream; true when the connection is over the bound. */
export function countReset(c: Conn, now: number): boolean {
  if (now - c.windowStart >= RESET_WINDOW_MS) {
    c.windowStart = now;
    c.resets = 0;
  }
  return ++c.resets > MAX_RESETS;
}

export class H2Front {
  private readonly server: Http2Server;
  private readonly sessions = new Map<Http2Session, Conn>();
  /** An HTTP/2 connection with no stream open is closed after this (limits.keepAliveTimeout). */
  private readonly idleMs: number;

  constructor(private readonly front: HttpFront, listen: Listen, private readonly log: Logger) {
    const lim = listen.limits;
    const h2 = listen.http2Limits ?? http2Defaults(lim.maxHeaderSize);
    this.server = createServer({
      settings: { maxConcurrentStreams: h2.maxConcurrentStreams, maxHeaderListSize: h2.maxHeaderListSize, enablePush: false },
      // the pipeline counts header fields (431); node:http2 only stops lists far past that
      // (pseudo-headers and Host come on top)
      maxHeaderListPairs: lim.maxHeaderCount + 8,
      // node:http2's flood limits (listen.http2Limits, src/config/schema.ts): unanswered PINGs of
      // ours, entries per SETTINGS frame, streams refused for being past maxConcurrentStreams, and
      // invalid frames before the session is closed
      maxOutstandingPings: h2.maxOutstandingPings,
      maxSettings: h2.maxSettings,
      maxSessionRejectedStreams: h2.maxSessionRejectedStreams,
      maxSessionInvalidFrames: h2.maxSessionInvalidFrames,
    });
    this.server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => this.serve(req, res));
    this.server.on('session', (s: Http2Session) => this.onSession(s));
    this.server.on('stream', (s: ServerHttp2Stream) => this.onStream(s));
    this.idleMs = lim.keepAliveTimeout;
    this.server.on('sessionError', () => undefined);
  }

  /** Take a connection that speaks HTTP/2 (TLS with ALPN `h2`, or cleartext after the preface). */
  accept(socket: Socket): void {
    (socket as Tagged)[SELF] = socket;
    this.server.emit('connection', socket);
  }

  /** Shutting down: GOAWAY on every connection; streams in flight finish. */
  closeAll(): void {
    for (const s of this.sessions.keys()) s.close();
  }

  private onSession(s: Http2Session): void {
    const c: Conn = { open: 0, windowStart: 0, resets: 0, cut: false };
    this.sessions.set(s, c);
    this.idle(s, c);
    s.once('close', () => {
      clearTimeout(c.idle);
      this.sessions.delete(s);
    });
  }

  private onStream(stream: ServerHttp2Stream): void {
    const session = stream.session!;
    const c = this.sessions.get(session);
    if (c === undefined) return;
    c.open++;
    clearTimeout(c.idle);
    c.idle = undefined;
    stream.once('close', () => {
      if (--c.open === 0) this.idle(session, c);
    });
    // 'aborted': closed before its answer was sent in full (the client cancelled it, or it broke);
    // emitted at once while node:http2 reads the frames, so a burst is counted as it arrives
    stream.once('aborted', () => {
      if (c.cut || session.destroyed || !countReset(c, Date.now())) return;
      c.cut = true;
      this.log.warn({ peer: session.socket?.remoteAddress, resets: c.resets }, 'HTTP/2: too many cancelled streams; connection closed (rapid reset)');
      // outside node:http2's frame callback: GOAWAY ENHANCE_YOUR_CALM, and the connection is closed
      // (a number first: destroy's GOAWAY code)
      setImmediate(() => session.destroy(constants.NGHTTP2_ENHANCE_YOUR_CALM as unknown as Error));
    });
  }

  private idle(s: Http2Session, c: Conn): void {
    if (this.idleMs <= 0 || s.destroyed) return;
    c.idle = setTimeout(() => s.close(), this.idleMs);
    c.idle.unref();
  }

  private serve(req: Http2ServerRequest, res: Http2ServerResponse): void {
    const f = this.front;
    const host = f.host;
    const socket = (req.socket as Tagged)[SELF];
    if (socket === undefined || req.stream.destroyed) return;
    if (f.listen.hsts !== undefined) res.setHeader('strict-transport-security', f.listen.hsts);
    const res1 = res as unknown as ClientResponse;
    const head = h2Head(req.rawHeaders);
    if (typeof head === 'string') {
      sendError(res1, 'SY_ERR_BAD_REQUEST', undefined, head);
      return;
    }
    const r = admit(host.current, host, f.requests, head, clientConn(socket, f.acceptProxy));
    if (r.kind === 'refused') {
      // `close` means the framing of the connection cannot be trusted: not so for one stream
      sendError(res1, r.code, withId(r.headers, r.requestId), r.detail);
      logRefusal(host, head, r);
      return;
    }
    if (r.kind === 'answer') {
      sendAnswer(res1, r);
      return host.requestDone(answerRecord(head.method, r));
    }
    new Exchange(host, req as unknown as ClientRequest, res1, r, f.listen.limits, f.listen.allowUnderscoreHeaders, {
      rawHeaders: head.rawHeaders, socket, hasBody: !req.stream.endAfterHeaders, stream: req, trailers: res, request: req,
    }).run();
  }
}

/** The client preface of HTTP/2 with prior knowledge; no HTTP/1 method starts with `PRI `. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * A cleartext listener with `http2: true`: read the first bytes, put them back, and hand the
 * socket to HTTP/2 when they are the preface, to HTTP/1 otherwise. `timeoutMs` of silence first
 * closes it (node:http's headersTimeout starts only once it has the socket).
 */
export function sniffPreface(socket: Socket, timeoutMs: number, then: (h2: boolean) => void): void {
  let got: Buffer = Buffer.alloc(0);
  const timer = timeoutMs > 0 ? setTimeout(() => socket.destroy(), timeoutMs) : undefined;
  const onData = (chunk: Buffer) => {
    got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
    const n = Math.min(got.length, 4);
    const h2 = got.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (h2 && got.length < 4) return; // `P` or `PR` may still be POST or PROPFIND
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    socket.unshift(got);
    then(h2);
  };
  const onClose = () => clearTimeout(timer);
  socket.on('data', onData);
  socket.once('close', onClose);
}
