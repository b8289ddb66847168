// Short plain-text error replies (one table of causes in errors.ts), through node:http or, where
// there is no ServerResponse (upgrades, parser errors, PROXY fronts), as raw bytes on the socket.
import { STATUS_CODES } from 'node:http';
import type { ClientResponse } from './client.js';
import { ERRORS, type ErrorCode } from '../errors.js';

export function sendError(res: ClientResponse, code: ErrorCode, extra?: Record<string, string>, detail?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = ERRORS[code];
  const body = `${e.status} ${e.text}${detail ? ': ' + detail : ''}\n`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-switchyard-error': code,
    ...extra,
  };
  res.writeHead(e.status, headers);
  res.end(body);
}

/** A short plain-text answer on the raw socket; always closes the connection. */
export function plainResponse(status: number, body: string, extra: Record<string, string> = {}): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  for (const [k, v] of Object.entries(extra)) out += `${k}: ${v}\r\n`;
  return out + `connection: close\r\n\r\n${body}`;
}

/** An error of errors.ts on the raw socket, worded as sendError words it. */
export function errorResponse(code: ErrorCode, detail?: string, extra: Record<string, string> = {}): string {
  const e = ERRORS[code];
  return plainResponse(e.status, `${e.status} ${e.text}${detail ? ': ' + detail : ''}\n`, { 'x-switchyard-error': code, ...extra });
}
