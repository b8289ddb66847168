// Short plain-text error replies (one table of causes in errors.ts).
import type { ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../errors.js';

export function sendError(res: ServerResponse, code: ErrorCode, extra?: Record<string, string>, detail?: string): void {
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
