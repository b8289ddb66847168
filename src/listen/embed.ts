// Embedding: a node:http request handler for a server the application owns (plain node:http,
// fastify's raw request and reply). Each request takes the node:http front's own path:
// one at a time per connection (proxy/serial.ts), then serveRequest (src/listen/serve.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Listen } from '../config/normalized.js';
import { inTurn } from '../proxy/serial.js';
import { httpFront, serveRequest, serveUpgrade, type HttpHost } from './serve.js';

/** `(req, res) => void`, as node:http's 'request' event and node-http-proxy's `web` take them. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** `(req, socket, head) => void`, as node:http's 'upgrade' event takes it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Requests follow the rules of `listen` (limits, trustProxy, header and path policy). The host
 * server owns the socket, so a PROXY header is never read here.
 */
export function embedHandler(host: HttpHost, listen: Listen): RequestHandler {
  const front = httpFront(host, { ...listen, acceptProxy: false });
  return (req, res) => {
    inTurn(req, res, serveRequest, front);
  };
}

/**
 * Upgrade requests (WebSocket) of `server`, through serveUpgrade (src/listen/serve.ts): tunnelled
 * once the backend answers 101; any other answer gives the connection back to `server`.
 */
export function embedUpgrade(host: HttpHost, listen: Listen, server: Server): UpgradeHandler {
  const front = httpFront(host, { ...listen, acceptProxy: false });
  // node:http's upgrade sockets are net.Sockets (TLS ones too); the event types them as Duplex
  return (req, socket, head) => serveUpgrade(front, (s) => void server.emit('connection', s), req, socket as Socket, head);
}
