// `listen.redirectHttps`: a cleartext listener that answers every request with 308 to the same
// host and path on the HTTPS port, and forwards nothing (docs/security.md, "TLS termination").
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse, sendError } from '../proxy/respond.js';

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::\d{1,5})?$/;

/** The Location for a request, or undefined when its Host or target cannot make one. */
export function redirectTarget(host: string | undefined, target: string | undefined, port: number): string | undefined {
  if (host === undefined || target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const m = HOST.exec(host);
  if (!m) return undefined;
  return `https://${m[1]!.toLowerCase()}${port === 443 ? '' : `:${port}`}${target}`;
}

function locationOf(port: number, req: IncomingMessage): string | undefined {
  const hosts = req.headersDistinct.host;
  return hosts?.length === 1 ? redirectTarget(hosts[0], req.url, port) : undefined;
}

/** An upgrade request (WebSocket) is redirected too, on the raw socket, then closed. */
export function redirectUpgrade(port: number, req: IncomingMessage, socket: Duplex): void {
  const location = locationOf(port, req);
  socket.on('error', () => undefined);
  socket.end(location === undefined ? errorResponse('SY_ERR_BAD_HOST')
    : `HTTP/1.1 308 Permanent Redirect\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

export function serveRedirect(port: number, req: IncomingMessage, res: ServerResponse): void {
  const location = locationOf(port, req);
  if (location === undefined) return sendError(res, 'SY_ERR_BAD_HOST');
  res.writeHead(308, { location, 'content-length': '0' });
  res.end(); // an unread request body is discarded by node:http
}
