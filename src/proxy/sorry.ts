// The answer when a request finds no backend: the pool's `sorry` answer (the first set along its
// fallback chain, src/pools/fallback.ts), else the plain 503 of src/errors.ts. Both keep
// Retry-After. One function per kind of front end: a response object (node:http, HTTP/2) and raw
// bytes on the socket (upgrades).
import { STATUS_CODES } from 'node:http';
import type { ClientResponse } from './client.js';
import type { Routed } from '../pipeline/admit.js';
import { sorryFor } from '../pools/fallback.js';
import { errorResponse, sendError } from './respond.js';

const RETRY_AFTER = '5';

function sorryOf(r: Routed) {
  return sorryFor(r.snap.config.pools, r.route.pool!);
}

/** Answer a routed request that found no backend. */
export function sendNoBackend(res: ClientResponse, r: Routed): void {
  const s = sorryOf(r);
  if (s === undefined || res.headersSent) {
    sendError(res, 'SY_ERR_NO_BACKEND', { 'retry-after': RETRY_AFTER });
    return;
  }
  res.writeHead(s.status, {
    'content-type': s.contentType,
    'content-length': Buffer.byteLength(s.body),
    'retry-after': RETRY_AFTER,
    'x-switchyard-error': 'SY_ERR_NO_BACKEND',
  });
  res.end(s.body);
}

/** The same answer as raw bytes; the connection closes after it. */
export function noBackendResponse(r: Routed): { status: number; bytes: string } {
  const s = sorryOf(r);
  if (s === undefined) return { status: 503, bytes: errorResponse('SY_ERR_NO_BACKEND', undefined, { 'retry-after': RETRY_AFTER }) };
  const head = `HTTP/1.1 ${s.status} ${STATUS_CODES[s.status] ?? ''}\r\ncontent-type: ${s.contentType}\r\ncontent-length: ${Buffer.byteLength(s.body)}\r\n` +
    `retry-after: ${RETRY_AFTER}\r\nx-switchyard-error: SY_ERR_NO_BACKEND\r\nconnection: close\r\n\r\n`;
  return { status: s.status, bytes: head + s.body };
}
