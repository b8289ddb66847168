// Raw-socket clients for boundary tests: exact bytes out, everything received kept as text.
import { connect, type Socket } from 'node:net';

export interface Raw {
  socket: Socket;
  text(): string;
  /** Resolves once the received text satisfies `pred` (or rejects after `ms`). */
  until(pred: (text: string) => boolean, ms?: number): Promise<string>;
  /** Resolves with the ms from connect to close. */
  closed: Promise<number>;
}

export function raw(port: number, opts: { localAddress?: string; first?: string | Buffer } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress, allowHalfOpen: true });
    let buf = '';
    const waiters: (() => void)[] = [];
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    const t0 = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => {
      r(Date.now() - t0);
      for (const w of waiters.splice(0)) w();
    }));
    socket.once('error', reject);
    socket.once('connect', () => {
      if (opts.first !== undefined) socket.write(opts.first);
      resolve({
        socket,
        text: () => buf,
        closed,
        until: (pred, ms = 3000) => new Promise<string>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`timed out; received ${JSON.stringify(buf.slice(0, 300))}`)), ms);
          const check = () => {
            if (pred(buf)) {
              clearTimeout(t);
              res(buf);
            } else if (socket.destroyed) {
              clearTimeout(t);
              rej(new Error(`closed; received ${JSON.stringify(buf.slice(0, 300))}`));
            } else waiters.push(check);
          };
          check();
        }),
      });
    });
  });
}

/** Status codes of the HTTP responses in `text`, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
