// A cleartext HTTP/1.1 listener on the fast engine (`listen.engine: 'fast'`): a net server whose
// connections are parsed by src/engine/connection.ts. The listener's clocks (headersTimeout,
// requestTimeout, keepAliveTimeout) are checked by one sweep every CHECK_EVERY_MS over its
// connections rather than a timer per request, so each limit fires within that period of its value.
import { createServer, type Server, type Socket } from 'node:net';
import type { HttpFront } from '../listen/serve.js';
import { ClientConnection, type ConnOwner } from './connection.js';

const CHECK_EVERY_MS = 250;

export class FastListener implements ConnOwner {
  readonly server: Server;
  private readonly conns = new Set<ClientConnection>();
  /** Sockets that have had at least one request head (for the PROXY front's first-request clock). */
  private readonly servedSockets = new WeakSet<Socket>();
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(readonly front: HttpFront) {
    // allowHalfOpen: a client that sends its requests and then its FIN still gets the answers
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server.maxConnections = front.listen.limits.maxConnections;
    this.server.on('listening', () => this.startSweeping());
  }

  /** A new connection (from this server, or from the PROXY front after the header). */
  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.conns.add(new ClientConnection(socket, this, Date.now()));
    this.startSweeping();
  }

  adopt(socket: Socket): void {
    if (this.closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.conns.add(new ClientConnection(socket, this, Date.now()));
    socket.resume();
  }

  forget(c: ClientConnection): void {
    this.conns.delete(c);
  }

  served(socket: Socket): void {
    this.servedSockets.add(socket);
  }

  /** True once a request head was read on `socket` (src/proxy-protocol/front.ts asks). */
  hasServed(socket: Socket): boolean {
    return this.servedSockets.has(socket);
  }

  private startSweeping(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), CHECK_EVERY_MS);
    this.sweeper.unref();
  }

  private sweep(): void {
    const lim = this.front.listen.limits;
    const now = Date.now();
    for (const c of this.conns) {
      if (c.headStart !== 0 || c.msgStart !== 0) {
        if ((lim.headersTimeout > 0 && c.headStart !== 0 && now - c.headStart > lim.headersTimeout)
          || (lim.requestTimeout > 0 && c.msgStart !== 0 && now - c.msgStart > lim.requestTimeout)) c.timedOut();
      } else if (c.idle && lim.keepAliveTimeout > 0 && now - c.idleSince > lim.keepAliveTimeout) c.closeIfIdle();
    }
  }

  /** Stop accepting; idle connections close now, busy ones after their answer. */
  stop(): Promise<void> {
    this.closing = true;
    for (const c of this.conns) c.closeIfIdle();
    return new Promise<void>((resolve) => this.server.close(() => {
      clearInterval(this.sweeper);
      resolve();
    }));
  }

  destroyAll(): void {
    for (const c of this.conns) c.socket.destroy();
    clearInterval(this.sweeper);
  }
}
