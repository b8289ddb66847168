// `acceptProxy` on an HTTP listener: a plain net.Server takes the connection, reads the PROXY
// header, then hands the socket (with the bytes after the header pushed back) to node:http.
// Only peers the listener allows may send a PROXY header (docs/security.md, "PROXY protocol"),
// and the header and the first request's header block share one `headersTimeout` budget.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { readProxyHeader } from './accept.js';
import { errorResponse } from '../proxy/respond.js';

export interface FrontLog {
  warn(obj: object, msg: string): void;
}

export interface FrontOptions {
  /** ms from accept to the end of the first request's header block (listen.limits.headersTimeout). */
  headersTimeout: number;
  /** Peers allowed to send a PROXY header (acceptProxy CIDRs); others are closed at once. */
  allowed: (ip: string) => boolean;
  /** True once node:http has read a whole request (or upgrade) head on this socket. */
  served: (socket: Socket) => boolean;
  /** TLS listeners: the socket carries TLS after the header, so a late client is cut without a cleartext 408. */
  tls?: boolean;
}

/** The answer to a client whose header block did not arrive in time (as node:http's gets). */
const TIMEOUT_408 = errorResponse('SY_ERR_REQUEST_TIMEOUT');

/** Parse the PROXY header of every connection, then give the socket to `http`. */
export function proxyFront(http: Pick<NetServer, 'emit'>, log: FrontLog, opts: FrontOptions): NetServer {
  // node:http measures headersTimeout only on servers that emitted 'listening'; this one never
  // listens itself, so start its connection tracking by hand
  http.emit('listening');
  const front = createServer({ pauseOnConnect: true, noDelay: true }, (socket: Socket) => {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    if (!opts.allowed(socket.remoteAddress ?? '')) {
      log.warn({ peer }, 'PROXY protocol: peer not in acceptProxy; connection closed');
      socket.destroy();
      return;
    }
    const deadline = Date.now() + opts.headersTimeout;
    readProxyHeader(socket, { timeout: opts.headersTimeout }).then(
      () => {
        // an https server takes it like one it accepted: the TLS handshake runs first
        http.emit('connection', socket);
        socket.resume();
        if (opts.headersTimeout <= 0) return;
        // node:http's own clock for this socket starts now: hold the first request to the
        // deadline that started at accept
        const timer = setTimeout(() => {
          if (socket.destroyed || opts.served(socket)) return;
          if (opts.tls) socket.destroy();
          else socket.end(TIMEOUT_408);
        }, Math.max(0, deadline - Date.now()));
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
      },
      (e: Error) => {
        log.warn({ peer, err: e.message }, 'PROXY protocol: malformed or missing header; connection closed');
        socket.destroy();
      },
    );
  });
  return front;
}
