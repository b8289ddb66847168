// Listener side: read a PROXY header off a fresh socket before anything else sees its bytes, and
// remember what it said so later code (HTTP handler, TCP service, sendProxy) can ask
// `connectionEnds(socket)` for the real client instead of the balancer in front.
import type { Socket } from 'node:net';
import type { ConnectionEnds } from './encode.js';
import { ProxyHeaderParser, V2_MAX_DEFAULT, type ProxyHeader } from './parse.js';

export class ProxyProtocolError extends Error {
  override name = 'ProxyProtocolError';
}

const accepted = new WeakMap<Socket, ProxyHeader>();

function plain(a: string | undefined): string {
  const s = a ?? '';
  return s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
}

/** The header a socket arrived with, if its listener has `acceptProxy`. */
export function acceptedHeader(socket: Socket): ProxyHeader | undefined {
  return accepted.get(socket);
}

/**
 * Who the client really is and which address it connected to: from the PROXY header when the
 * socket came with one carrying addresses, else the socket's own ends. IPv4-mapped IPv6 is
 * written as plain IPv4.
 */
/** A TLS socket over an accepted connection names the same ends as it (src/listen/http.ts). */
export function sameEnds(tls: Socket, raw: Socket): void {
  const h = accepted.get(raw);
  if (h) accepted.set(tls, h);
}

export function connectionEnds(socket: Socket): ConnectionEnds {
  const h = accepted.get(socket);
  if (h?.ends) {
    return {
      source: { address: plain(h.ends.source.address), port: h.ends.source.port },
      destination: { address: plain(h.ends.destination.address), port: h.ends.destination.port },
    };
  }
  return {
    source: { address: plain(socket.remoteAddress), port: socket.remotePort ?? 0 },
    destination: { address: plain(socket.localAddress), port: socket.localPort ?? 0 },
  };
}

export interface ReadOptions {
  /** ms the balancer has to send the whole header (default 10000). */
  timeout?: number;
  /** Cap on a v2 header's length field (default 4096). */
  maxV2Length?: number;
}

/**
 * Read and parse the PROXY header at the start of `socket`. Resolves with the header once it is
 * complete; the bytes after it are pushed back (unshift) so the next reader sees the stream as
 * the client sent it, and the socket is left paused. Rejects with a ProxyProtocolError on a
 * malformed or late header, or when the peer closes first; the caller closes the socket.
 */
export function readProxyHeader(socket: Socket, opts: ReadOptions = {}): Promise<ProxyHeader> {
  const parser = new ProxyHeaderParser(opts.maxV2Length ?? V2_MAX_DEFAULT);
  const timeoutMs = opts.timeout ?? 10_000;
  return new Promise<ProxyHeader>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
    };
    const fail = (message: string) => {
      cleanup();
      socket.on('error', () => undefined); // the caller destroys it; a late error must not crash
      reject(new ProxyProtocolError(message));
    };
    const onData = (chunk: Buffer) => {
      const r = parser.push(chunk);
      if (r.kind === 'more') return;
      if (r.kind === 'error') return fail(r.message);
      cleanup();
      accepted.set(socket, r.header);
      if (r.rest.length > 0) socket.unshift(r.rest);
      resolve(r.header);
    };
    const onEnd = () => fail('connection closed before the PROXY header was complete');
    const onError = (e: Error) => fail(`socket error before the PROXY header was complete: ${e.message}`);
    const timer = setTimeout(() => fail(`no complete PROXY header within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}
