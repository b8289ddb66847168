// Writing what a route answers itself (`redirect`, `respond`: pipeline/admit.ts Answer). Every
// front end writes it through these: node:http and HTTP/2 responses (src/listen/serve.ts,
// src/listen/h2.ts), raw sockets for upgrade requests; each access-logs it with its route and no pool.
import { STATUS_CODES } from 'node:http';
import type { ClientResponse } from './client.js';
import type { Answer } from '../pipeline/admit.js';
import type { AnswerHead } from '../pipeline/route-actions.js';
import type { AccessRecord } from './records.js';

export function sendAnswer(res: ClientResponse, a: AnswerHead): void {
  res.writeHead(a.status, a.headers as string[]);
  res.end(a.body); // HEAD: neither engine sends a body
}

/** The answer as HTTP/1.1 bytes on a raw socket (upgrade requests); the connection is closed after it. */
export function answerBytes(a: AnswerHead): string {
  let out = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\n`;
  for (let i = 0; i < a.headers.length; i += 2) out += `${a.headers[i]}: ${a.headers[i + 1]}\r\n`;
  return `${out}connection: close\r\n\r\n${a.body}`;
}

/** The access record of an answer: its route, no pool, no backend. */
export function answerRecord(method: string, a: Answer): AccessRecord {
  return {
    method, path: a.facts.path, status: a.status, route: a.route.name, pool: undefined, backend: undefined,
    clientIp: a.clientIp, ms: 0, attempts: 0, error: undefined,
  };
}
