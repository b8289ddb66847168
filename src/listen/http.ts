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
import { httpFront, serveRequest, serveUpgrade, type HttpHost } from './serve.js';

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
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.add(socket);
      if (redirect !== undefined) redirectUpgrade(redirect, req, socket);
      else serveUpgrade(front, server, req, socket, head);
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
    await new Promise<void>((resolve, reject) => {
      bound.once('error', reject);
      bound.listen(listen.port, listen.host, () => {
        bound.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    if (certs) {
      certs.server = server as HttpsServer;
      this.certs.push(certs);
    }
    return bound.address() as AddressInfo;
  }

  /** Stop accepting and close idle connections; resolves when every server has closed. */
  stopAccepting(): Promise<void> {
    for (const f of this.fronts) f.close();
    for (const h of this.h2) h.closeAll();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.servers) s.closeIdleConnections();
    return closed.then(() => undefined);
  }

  /** Cut every connection still open. */
  destroyAll(): void {
    for (const s of this.servers) s.closeAllConnections();
    for (const s of this.sockets) s.destroy();
  }
}
