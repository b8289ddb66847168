// `acceptProxy` on an HTTP listener: a plain net.Server takes the connection, reads the PROXY
// header, then hands the socket (with the bytes after the header pushed back) to node:http.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { readProxyHeader, type ReadOptions } from './accept.js';

export interface FrontLog {
  warn(obj: object, msg: string): void;
}

/** Parse the PROXY header of every connection, then give the socket to `http`. */
export function proxyFront(http: HttpServer, log: FrontLog, opts: ReadOptions = {}): NetServer {
  const front = createServer({ pauseOnConnect: true, noDelay: true }, (socket: Socket) => {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    readProxyHeader(socket, opts).then(
      () => {
        http.emit('connection', socket);
        socket.resume();
      },
      (e: Error) => {
        log.warn({ peer, err: e.message }, 'PROXY protocol: malformed or missing header; connection closed');
        socket.destroy();
      },
    );
  });
  return front;
}
