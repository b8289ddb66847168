// The client side of one proxied request as src/proxy/exchange.ts, src/proxy/respond.ts and
// src/listen/serve.ts use it. node:http's IncomingMessage and ServerResponse have these members as
// they are (no wrapper per request); the fast engine's request and response (src/engine/request.ts,
// src/engine/response.ts) implement them, so every front end shares one way through the proxy.
import type { Socket } from 'node:net';
import type { RequestHead } from '../pipeline/admit.js';

/** A request body as src/proxy/body.ts reads it (a subset of node's Readable). */
export interface BodySource {
  read(): Buffer | null;
  readonly readableEnded: boolean;
  readonly readableLength: number;
  /** The whole message was received (node:http's IncomingMessage.complete). */
  readonly complete: boolean;
  once(event: 'readable' | 'end' | 'close', fn: () => void): unknown;
  once(event: 'error', fn: (err: Error) => void): unknown;
  off(event: 'readable' | 'end' | 'close', fn: () => void): unknown;
  off(event: 'error', fn: (err: Error) => void): unknown;
}

/** The request: its head (what the pipeline reads), its connection and its body. */
export interface ClientRequest extends RequestHead, BodySource {
  readonly socket: Socket;
  /** '1.1' or '1.0'. */
  readonly httpVersion: string;
  /** Send to http: backends over the fast engine's raw connections (src/engine/upstream.ts), not undici. */
  readonly rawUpstream?: boolean;
}

/** The answer to the client. */
export interface ClientResponse {
  statusCode: number;
  /** false: the connection closes after this answer. */
  shouldKeepAlive: boolean;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  /** Before writeHead: a header every answer on this request carries. */
  setHeader(name: string, value: string): unknown;
  writeHead(status: number, statusText: string | undefined, headers: string[]): unknown;
  writeHead(status: number, headers: string[] | Record<string, string | number>): unknown;
  /** false: wait for 'drain' before writing more. */
  write(chunk: Buffer): boolean;
  end(body?: string): unknown;
  destroy(err?: Error): unknown;
  once(event: 'drain', fn: () => void): unknown;
  /** The answer is finished, or the client went away. */
  on(event: 'close', fn: () => void): unknown;
}
