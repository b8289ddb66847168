// Malformed requests node:http's parser refused (its 'clientError'): the right 4xx, then close.
import type { Duplex } from 'node:stream';
import { errorResponse } from '../proxy/respond.js';

export function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const code = err.code ?? '';
  socket.end(errorResponse(
    code === 'HPE_HEADER_OVERFLOW' ? 'SY_ERR_HEADERS_TOO_LARGE'
    : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'SY_ERR_REQUEST_TIMEOUT'
    : 'SY_ERR_BAD_REQUEST',
  ));
}
