// Embedding: a node:http request handler for a server the application owns (plain node:http,
// fastify's raw request and reply). Each request takes the node:http front's own path:
// one at a time per connection (proxy/serial.ts), then serveRequest (src/listen/serve.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Listen } from '../config/normalized.js';
import { inTurn } from '../proxy/serial.js';
import { httpFront, serveRequest, type HttpHost } from './serve.js';

/** `(req, res) => void`, as node:http's 'request' event and node-http-proxy's `web` take them. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

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
