// Pipelined requests on one client connection are forwarded one at a time, in order: a connection
// never holds more than one upstream request (docs/security.md, "Pipelining").
//
// node:http parses every request of a received chunk at once and emits them all; this module
// queues them per socket and starts the next when the previous response has closed. While a
// request waits, reading from the socket is paused (node:http's own flag, so the parser stops at
// the end of the chunk it is in). A connection with more than MAX_QUEUED waiting requests reads
// no further: it is answered up to that point and then closed; later requests are never forwarded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests that may wait behind the one in flight on a single connection. */
export const MAX_QUEUED = 16;

/** Serves one request; one shared function per listener, its argument passed along (no closure per request). */
export type Serve<A> = (arg: A, req: IncomingMessage, res: ServerResponse) => void;

interface Waiting {
  req: IncomingMessage;
  res: ServerResponse;
  run: Serve<unknown>;
  arg: unknown;
}

interface Line {
  busy: boolean;
  queue: Waiting[];
  /** More than MAX_QUEUED were sent: no further request on this connection is taken. */
  overflow: boolean;
  /** Runs once the requests taken are answered (the parser's error reply, which ends the line). */
  last: (() => void) | undefined;
  /** The request in flight. */
  current: IncomingMessage | undefined;
}

/** node:http's pause flag: set, the parser stops after the chunk in hand (node 20 _http_server). */
type HttpSocket = Socket & { _paused?: boolean; parser?: { pause(): void; resume(): void } | null; [LINE]?: Line };
type LineResponse = ServerResponse & { [SOCKET]?: HttpSocket };

const LINE = Symbol('switchyard.line');
/** A finished response no longer has its socket: each keeps its own reference. */
const SOCKET = Symbol('switchyard.socket');

/** A response closed: start the next request waiting on its connection. */
function next(this: LineResponse): void {
  const s = this[SOCKET]!;
  const line = s[LINE]!;
  if (s.destroyed) {
    line.queue.length = 0;
    line.busy = false;
    return;
  }
  const w = line.queue.shift();
  if (w === undefined) {
    line.busy = false;
    line.current = undefined;
    const last = line.last;
    line.last = undefined;
    last?.();
    return;
  }
  w.res.once('close', next);
  line.current = w.req;
  if (line.queue.length === 0 && !line.overflow) resume(s);
  w.run(w.arg, w.req, w.res);
}

function resume(s: HttpSocket): void {
  if (s._paused !== true) return;
  s._paused = false;
  s.parser?.resume();
  s.resume();
}

/**
 * Run `run(arg, req, res)` now if the connection has no request in flight, else when the requests
 * before it are answered. Returns false when the request is dropped (the connection overflowed its queue).
 */
export function inTurn<A>(req: IncomingMessage, res: ServerResponse, run: Serve<A>, arg: A): boolean {
  const s = req.socket as HttpSocket;
  (res as LineResponse)[SOCKET] = s;
  let line = s[LINE];
  if (line === undefined) s[LINE] = line = { busy: false, queue: [], overflow: false, last: undefined, current: undefined };
  if (!line.busy) {
    line.busy = true;
    line.current = req;
    res.once('close', next);
    run(arg, req, res);
    return true;
  }
  if (line.overflow) return false;
  if (line.queue.length >= MAX_QUEUED) {
    line.overflow = true;
    // the last request taken closes the connection after its answer
    line.queue[line.queue.length - 1]!.res.shouldKeepAlive = false;
    // node:http pauses the parser at the end of this chunk (the flag is set) and would resume it
    // whenever a response is written; clearing the flag afterwards keeps it paused for good
    queueMicrotask(() => {
      s._paused = false;
    });
    return false;
  }
  line.queue.push({ req, res, run: run as Serve<unknown>, arg });
  if (s._paused !== true) {
    s._paused = true;
    s.pause();
  }
  return true;
}

/**
 * Run `fn` once every request already taken on this connection is answered: node:http reports a
 * parse error in what follows a pipelined request at once, and its reply must not overtake the
 * answers before it.
 */
export function afterAnswers(socket: Socket, fn: () => void): void {
  const line = (socket as HttpSocket)[LINE];
  // an error inside the body of the request in flight ends that request too: reply at once
  if (line === undefined || !line.busy || line.current?.complete === false) fn();
  else {
    line.overflow = true; // the connection ends with this reply: take nothing more
    line.last = fn;
  }
}

/** True once a request on this socket has been handed to inTurn. */
export function hasServed(socket: Socket): boolean {
  return (socket as HttpSocket)[LINE] !== undefined;
}
