// The HTTP listeners: node:http servers (timeouts, header limits, clientError), the PROXY-protocol
// fronts of acceptProxy listeners, and the per-connection serializer of pipelined requests. Each
// request and upgrade goes to src/listen/serve.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Listen } from '../config/normalized.js';
import { cidrMatcher } from '../proxy/cidr.js';
import { afterAnswers, hasServed, inTurn } from '../proxy/serial.js';
import { proxyFront } from '../proxy-protocol/front.js';
import { clientError } from './client-error.js';
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
  private readonly track = (s: Socket) => {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  };

  constructor(private readonly host: ListenerHost) {}

  /** Bind every listener, in order; their bound addresses. */
  async listen(listens: readonly Listen[]): Promise<AddressInfo[]> {
    const out: AddressInfo[] = [];
    for (const listen of listens) out.push(await this.listenOne(listen));
    return out;
  }

  private async listenOne(listen: Listen): Promise<AddressInfo> {
    const front = httpFront(this.host, listen);
    const lim = listen.limits;
    const server = createServer(
      {
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
      },
      // pipelined requests: one at a time per connection, in order (proxy/serial.ts)
      (req, res) => inTurn(req, res, serveRequest, front),
    );
    server.maxConnections = lim.maxConnections;
    server.maxHeadersCount = lim.maxHeaderCount + 1; // node drops headers past it silently: let the check see one too many
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.add(socket);
      serveUpgrade(front, server, req, socket, head);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => afterAnswers(socket, () => clientError(err, socket)));
    server.on('connection', this.track);
    // acceptProxy: a net server reads the PROXY header first, then gives the socket to `server`
    const ap = listen.acceptProxy;
    const bound: Server | NetServer = ap === false ? server : proxyFront(server, this.host.log, {
      headersTimeout: lim.headersTimeout,
      allowed: ap === true ? () => true : cidrMatcher(ap),
      served: (s) => hasServed(s) || upgraded.has(s),
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
    return bound.address() as AddressInfo;
  }

  /** Stop accepting and close idle connections; resolves when every server has closed. */
  stopAccepting(): Promise<void> {
    for (const f of this.fronts) f.close();
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
