// Join a client socket and a backend socket byte for byte, with TCP half-close: a FIN from one
// side is passed on as a FIN to the other while the opposite direction keeps flowing. Idle
// connections are cut after `idleMs`; once one side has closed its half, after `finMs`.
import type { Socket } from 'node:net';

export interface SpliceOptions {
  /** ms without a byte either way before an established connection is cut (IPVS tcp: 900 s). */
  idleMs: number;
  /** ms a half-closed connection may linger without traffic (IPVS tcpfin: 120 s). */
  finMs: number;
}

export interface SpliceResult {
  /** Bytes from client to backend, and back. */
  up: number;
  down: number;
  /** Why it ended abnormally: 'idle', or the first socket error's message. */
  error: string | undefined;
}

export interface SpliceHooks {
  /** The first FIN (from either side) went through: the connection is now "inactive". */
  halfClosed?(): void;
  closed(r: SpliceResult): void;
}

/** Both sockets must have been created with allowHalfOpen. Returns a function that cuts both. */
export function splice(client: Socket, upstream: Socket, opts: SpliceOptions, hooks: SpliceHooks): (reason?: string) => void {
  let error: string | undefined;
  let half = false;
  let open = 2;
  const cut = (reason?: string) => {
    error ??= reason;
    client.destroy();
    upstream.destroy();
  };
  const onEnd = () => {
    if (half) return;
    half = true;
    client.setTimeout(opts.finMs);
    upstream.setTimeout(opts.finMs);
    hooks.halfClosed?.();
  };
  const onClose = (other: Socket) => (hadError: boolean) => {
    // a clean close leaves the other side to finish writing what it holds; an abort cuts it
    if (hadError || error !== undefined || !other.writableEnded) other.destroy();
    if (--open === 0) hooks.closed({ up: upstream.bytesWritten, down: client.bytesWritten, error });
  };
  for (const s of [client, upstream]) {
    s.setTimeout(opts.idleMs);
    s.on('timeout', () => cut(half ? 'fin timeout' : 'idle timeout'));
    s.on('error', (e: Error) => cut(e.message));
    s.once('end', onEnd);
  }
  client.once('close', onClose(upstream));
  upstream.once('close', onClose(client));
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
  return cut;
}
