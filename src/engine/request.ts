// One request on the fast engine (src/engine/connection.ts parses it): the head the pipeline reads
// (pipeline/admit.ts RequestHead) and the body the exchange reads (proxy/body.ts). The body is a
// queue of the parser's Buffers; past HIGH_WATER bytes unread the connection stops reading.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientRequest } from '../proxy/client.js';

/** Unread body bytes past which the client connection is paused. */
export const HIGH_WATER = 64 * 1024;

/** Fields node:http keeps the first of when repeated (its IncomingMessage does the same). */
const FIRST_WINS = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/** node:http's `headers` object from raw fields: lower-case names, repeats joined as it joins them. */
export function headersOf(raw: readonly string[]): IncomingHttpHeaders {
  const h: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const had = h[name];
    if (had === undefined) h[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (had as string[]).push(value);
    else if (FIRST_WINS.has(name)) continue;
    else h[name] = `${had as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return h as IncomingHttpHeaders;
}

/** What the request asks of its connection (src/engine/connection.ts implements it). */
export interface BodyFlow {
  /** The body queue is over HIGH_WATER: stop reading the socket. */
  pauseBody(): void;
  /** The reader caught up. */
  resumeBody(): void;
}

type Listener = (err: Error) => void;

export class FastRequest implements ClientRequest {
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
  /** Requests to the raw upstream connections (src/engine/upstream.ts) where the backend allows. */
  readonly rawUpstream = true;
  complete = false;
  readableLength = 0;
  /** The last request the connection takes (it overflowed its queue): close after the answer. */
  closeAfter = false;
  /** The client closed before the body was complete. */
  private aborted = false;
  private chunks: Buffer[] | undefined;
  private events: Map<string, Listener[]> | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    readonly rawHeaders: string[],
    readonly socket: Socket,
    /** An Upgrade request (tunnelled by src/proxy/upgrade.ts once its turn comes). */
    readonly upgrade: boolean,
    /** The parser's keep-alive verdict (HTTP/1.0 without keep-alive, or Connection: close). */
    readonly keepAlive: boolean,
    private readonly flow: BodyFlow,
  ) {
    this.httpVersion = httpVersionMajor === 1 && httpVersionMinor === 1 ? '1.1' : `${httpVersionMajor}.${httpVersionMinor}`;
    this.headers = headersOf(rawHeaders);
  }

  get readableEnded(): boolean {
    return this.complete && this.readableLength === 0;
  }

  // ---- from the parser ----
  push(chunk: Buffer): void {
    (this.chunks ??= []).push(chunk);
    this.readableLength += chunk.length;
    if (this.readableLength > HIGH_WATER) this.flow.pauseBody();
    this.emit('readable');
  }

  end(): void {
    this.complete = true;
    this.emit('end');
  }

  /** The connection closed (or broke) before the body was complete. */
  abort(err?: Error): void {
    if (this.complete || this.aborted) return;
    this.aborted = true;
    if (err !== undefined) this.emit('error', err);
    this.emit('close');
  }

  // ---- BodySource (proxy/body.ts) ----
  read(): Buffer | null {
    const c = this.chunks?.shift();
    if (c === undefined) return null;
    const before = this.readableLength;
    this.readableLength -= c.length;
    if (before > HIGH_WATER && this.readableLength <= HIGH_WATER) this.flow.resumeBody();
    return c;
  }

  once(event: string, fn: Listener): this {
    const m = (this.events ??= new Map());
    const l = m.get(event);
    if (l === undefined) m.set(event, [fn]);
    else l.push(fn);
    return this;
  }

  off(event: string, fn: Listener): this {
    const l = this.events?.get(event);
    const i = l === undefined ? -1 : l.indexOf(fn);
    if (i !== -1) l!.splice(i, 1);
    return this;
  }

  private emit(event: string, err?: Error): void {
    const l = this.events?.get(event);
    if (l === undefined || l.length === 0) return;
    this.events!.delete(event);
    for (const fn of l) fn(err as Error);
  }
}
