// The HTTP listeners: node:http servers (timeouts, header limits, clientError), node:https ones for
// `tls` listeners (same options, same request path), the PROXY-protocol fronts of acceptProxy
// listeners, and the per-connection serializer of pipelined requests. Each request and upgrade goes
// to src/listen/serve.ts; a `redirectHttps` listener answers in src/listen/redirect.ts. With
// `http2`, connections that choose HTTP/2 go to src/listen/h2.ts instead of node:http.
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Config, Listen } from '../config/normalized.js';
import { cidrMatcher } from '../proxy/cidr.js';
import { afterAnswers, hasServed, inTurn } from '../proxy/serial.js';
import { sameEnds } from '../proxy-protocol/accept.js';
import { proxyFront } from '../proxy-protocol/front.js';
import type { CertInfo, Problem } from './certs.js';
import { clientError } from './client-error.js';
import { H2Front, sniffPreface } from './h2.js';
import { redirectUpgrade, serveRedirect } from './redirect.js';
import { needsRestart } from './restart-keys.js';
import { ListenerCerts, prepareCerts } from './tls.js';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { httpFront, serveRequest, serveUpgrade, type HttpFront, type HttpHost } from './serve.js';
import { FastListener } from '../engine/listener.js';

/** node:http's period for checking headersTimeout and requestTimeout (its default is 30 s). */
const CHECK_EVERY_MS = 500;

/** Sockets node:http handed to the upgrade handler (no longer HTTP). */
const upgraded = new WeakSet<Duplex>();

export interface ListenerHost extends HttpHost {
  readonly log: Logger;
}

export class HttpListeners {
  readonly servers: Server[] = [];
  /** `acceptProxy` listeners: net servers that read the PROXY header, then hand over to node:http. */
  private readonly fronts: NetServer[] = [];
  private readonly sockets = new Set<Socket>();
  /** The certificates of the `tls` listeners. */
  private readonly certs: ListenerCerts[] = [];
  /** Listeners on the fast engine. */
  private readonly fast: FastListener[] = [];
  /** The HTTP/2 fronts of `http2` listeners. */
  private readonly h2: H2Front[] = [];
  /** Connections handed to HTTP/2 (served, for the PROXY fronts' first-request clock). */
  private readonly h2Sockets = new WeakSet<Socket>();
  /** The listeners as bound (a reload may not add or remove their tls: restart-keys.ts). */
  private bound: readonly Listen[] = [];
  private readonly track = (s: Socket) => {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  };

  constructor(private readonly host: ListenerHost) {}

  /** Bind every listener, in order; their bound addresses. */
  async listen(listens: readonly Listen[]): Promise<AddressInfo[]> {
    const out: AddressInfo[] = [];
    // every certificate is read before anything binds
    const certs = listens.map((l, i) => (l.tls ? ListenerCerts.read(i, l) : undefined));
    for (let i = 0; i < listens.length; i++) out.push(await this.listenOne(listens[i]!, certs[i]));
    // with the ports bound, for the messages of a reload that needs a restart
    this.bound = listens.map((l, i) => ({ ...l, port: out[i]!.port }));
    this.warnExpired();
    return out;
  }

  /** Expired certificates are served (the operator may be renewing them) but logged. */
  private warnExpired(): void {
    const now = Date.now();
    for (const c of this.certificates()) {
      if (Date.parse(c.notAfter) <= now) this.host.log.warn({ at: c.at, file: c.file, notAfter: c.notAfter }, 'TLS certificate has expired');
    }
  }

  /** A reload's first step: read the new config's certificates; `commit` swaps them in. */
  prepare(config: Config): { problems: Problem[]; commit: () => void } {
    const p = prepareCerts(this.certs, config);
    return {
      problems: [...needsRestart(this.bound, config.listen), ...p.problems],
      commit: () => {
        p.commit();
        this.warnExpired();
      },
    };
  }

  /** Every certificate the TLS listeners serve now. */
  certificates(): (CertInfo & { listener: string })[] {
    return this.certs.flatMap((c) => c.infos());
  }

  private async listenOne(listen: Listen, certs: ListenerCerts | undefined): Promise<AddressInfo> {
    const front = httpFront(this.host, listen);
    const lim = listen.limits;
    const redirect = listen.redirectHttps;
    // the fast engine serves HTTP/1.1, in cleartext or over TLS (where ALPN's h2 goes to HTTP/2);
    // h2c with prior knowledge and redirecting listeners stay on node:http
    if (listen.engine === 'fast' && redirect === undefined && (certs !== undefined || listen.http2 !== true)) return this.listenFast(listen, front, certs);
    const options: ServerOptions = {
      maxHeaderSize: lim.maxHeaderSize,
      headersTimeout: lim.headersTimeout,
      requestTimeout: lim.requestTimeout,
      keepAliveTimeout: lim.keepAliveTimeout,
      // a missing Host is refused by the pipeline (SY_ERR_BAD_HOST), not answered by node:http
      requireHostHeader: false,
      // node:http checks both timeouts on this period (default 30 s): twice a second keeps
      // them within a second of their value
      connectionsCheckingInterval: CHECK_EVERY_MS,
      noDelay: true,
    };
    const onRequest: (req: IncomingMessage, res: ServerResponse) => void = redirect !== undefined
      ? (req, res) => serveRedirect(redirect, req, res)
      // pipelined requests: one at a time per connection, in order (proxy/serial.ts)
      : (req, res) => inTurn(req, res, serveRequest, front);
    const server: Server = certs
      ? createHttpsServer({
        ...options, ...certs.serverOptions(), handshakeTimeout: lim.headersTimeout || 120_000,
        ALPNProtocols: redirect === undefined && listen.http2 !== false ? ['h2', 'http/1.1'] : ['http/1.1'],
      }, onRequest)
      : createServer(options, onRequest);
    // http2 (default on with tls): ALPN offers h2 beside http/1.1, or cleartext h2c with prior
    // knowledge; HTTP/1 connections keep going to node:http's own listener, exactly as before
    const h2 = redirect === undefined && (listen.http2 ?? certs !== undefined) ? new H2Front(front, listen, this.host.log) : undefined;
    if (h2) {
      this.h2.push(h2);
      const event = certs ? 'secureConnection' : 'connection';
      const http1 = server.listeners(event) as ((s: Socket) => void)[];
      server.removeAllListeners(event);
      const toH2 = (s: Socket) => {
        this.h2Sockets.add(s);
        h2.accept(s);
      };
      const toHttp1 = (s: Socket) => {
        for (const l of http1) l.call(server, s);
      };
      if (certs) {
        server.on(event, (s: Socket & { alpnProtocol?: string | false }) => (s.alpnProtocol === 'h2' ? toH2(s) : toHttp1(s)));
      } else {
        server.on(event, (s: Socket) => sniffPreface(s, lim.headersTimeout, (isH2) => {
          if (isH2) return toH2(s); // node:http2 reads what was put back itself
          toHttp1(s);
          s.resume();
        }));
      }
    }
    server.maxConnections = lim.maxConnections;
    server.maxHeadersCount = lim.maxHeaderCount + 1; // node drops headers past it silently: let the check see one too many
    const handBack = (s: Socket) => void server.emit('connection', s);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.add(socket);
      if (redirect !== undefined) redirectUpgrade(redirect, req, socket);
      else serveUpgrade(front, handBack, req, socket, head);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => afterAnswers(socket, () => clientError(err, socket)));
    server.on('connection', this.track);
    // acceptProxy: a net server reads the PROXY header first, then gives the socket to `server`
    const ap = listen.acceptProxy;
    const tlsOf = new WeakMap<Socket, Socket>();
    // the TLS socket over a raw one (node's TLSSocket keeps the raw socket it wraps as `_parent`)
    if (certs && ap !== false) {
      server.on('secureConnection', (t: Socket & { _parent?: Socket }) => {
        if (!t._parent) return;
        tlsOf.set(t._parent, t);
        sameEnds(t, t._parent);
      });
    }
    const bound: Server | NetServer = ap === false ? server : proxyFront(server, this.host.log, {
      headersTimeout: lim.headersTimeout,
      allowed: ap === true ? () => true : cidrMatcher(ap),
      served: (s) => {
        const t = certs ? tlsOf.get(s) : s;
        return t !== undefined && (hasServed(t) || upgraded.has(t) || this.h2Sockets.has(t));
      },
      tls: certs !== undefined,
    });
    if (bound !== server) {
      bound.maxConnections = lim.maxConnections;
      bound.on('connection', this.track);
      this.fronts.push(bound as NetServer);
    }
    await bindTo(bound, listen);
    this.servers.push(server);
    if (certs) {
      certs.server = server as HttpsServer;
      this.certs.push(certs);
    }
    return bound.address() as AddressInfo;
  }

  /**
   * A listener on the fast engine (src/engine/listener.ts): behind a node:tls server with `tls`
   * (connections that choose h2 by ALPN go to HTTP/2), behind a PROXY front with acceptProxy.
   */
  private async listenFast(listen: Listen, front: HttpFront, certs: ListenerCerts | undefined): Promise<AddressInfo> {
    const fast = new FastListener(front);
    this.fast.push(fast);
    let server: NetServer = fast.server;
    const tlsOf = new WeakMap<Socket, Socket>();
    if (certs !== undefined) {
      const h2 = listen.http2 !== false ? new H2Front(front, listen, this.host.log) : undefined;
      if (h2) this.h2.push(h2);
      const secure = createTlsServer({
        ...certs.serverOptions(), handshakeTimeout: listen.limits.headersTimeout || 120_000, ALPNProtocols: h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      }, (t: TLSSocket & { _parent?: Socket }) => {
        if (t._parent) {
          tlsOf.set(t._parent, t);
          if (listen.acceptProxy !== false) sameEnds(t, t._parent); // the PROXY header's addresses
        }
        if (h2 && t.alpnProtocol === 'h2') {
          this.h2Sockets.add(t);
          h2.accept(t);
        } else fast.accept(t);
      });
      secure.on('tlsClientError', (_e: Error, s: Socket) => s.destroy());
      secure.maxConnections = listen.limits.maxConnections;
      certs.server = secure;
      this.certs.push(certs);
      server = secure;
    }
    const ap = listen.acceptProxy;
    const bound: NetServer = ap === false ? server : proxyFront(server, this.host.log, {
      headersTimeout: listen.limits.headersTimeout,
      allowed: ap === true ? () => true : cidrMatcher(ap),
      served: (s) => {
        const t = certs ? tlsOf.get(s) : s;
        return t !== undefined && (fast.hasServed(t) || this.h2Sockets.has(t));
      },
      tls: certs !== undefined,
    });
    if (server !== fast.server) this.fronts.push(server);
    if (bound !== fast.server) {
      bound.maxConnections = listen.limits.maxConnections;
      bound.on('connection', this.track);
      this.fronts.push(bound);
    }
    await bindTo(bound, listen);
    return bound.address() as AddressInfo;
  }

  /** Every listening server (node:http and fast engine), for the admin's status and metrics. */
  get all(): NetServer[] {
    return [...this.servers, ...this.fast.map((f) => f.server)];
  }

  /** Stop accepting and close idle connections; resolves when every server has closed. */
  stopAccepting(): Promise<void> {
    for (const f of this.fronts) f.close();
    for (const h of this.h2) h.closeAll();
    const closed = Promise.all([...this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))), ...this.fast.map((f) => f.stop())]);
    for (const s of this.servers) s.closeIdleConnections();
    return closed.then(() => undefined);
  }

  /** Cut every connection still open. */
  destroyAll(): void {
    for (const s of this.servers) s.closeAllConnections();
    for (const f of this.fast) f.destroyAll();
    for (const s of this.sockets) s.destroy();
  }
}

/** Bind `server` to the listener's address. */
function bindTo(server: NetServer | Server, listen: Listen): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
