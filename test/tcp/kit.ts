// Test kit for raw TCP services: echo backends that say who they are, raw clients, and a router
// with tcp services on 127.0.0.1:0.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { validate } from '../../src/config/validate.js';
import { Router } from '../../src/router.js';

export interface EchoBackend {
  name: string;
  port: number;
  url: string;
  /** Every connection's bytes as received (PROXY header included). */
  received: Buffer[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/**
 * A raw TCP backend: answers each chunk with `<name>:<chunk>`, and a client's FIN with
 * `<name>:bye` followed by its own FIN (so half-close can be observed).
 */
export async function echoBackend(name: string): Promise<EchoBackend> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    const i = received.push(Buffer.alloc(0)) - 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      received[i] = Buffer.concat([received[i]!, d]);
      s.write(`${name}:${d.toString('latin1')}`);
    });
    s.on('end', () => s.end(`${name}:bye`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    name, port, url: `tcp://127.0.0.1:${port}`, received, sockets,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A raw client: collects everything it receives. */
export interface RawClient {
  socket: Socket;
  data(): string;
  /** Resolves once the received text contains `text` (or rejects after `ms`). */
  waitFor(text: string, ms?: number): Promise<string>;
  closed: Promise<void>;
}

export function rawClient(port: number, first?: Buffer | string, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, allowHalfOpen: true });
    let buf = '';
    const waiters: (() => void)[] = [];
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end()); // like most clients: the peer's FIN ends our side too
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => {
      if (first !== undefined) socket.write(first);
      resolve({
        socket,
        data: () => buf,
        closed,
        waitFor: (text, ms = 3000) => new Promise<string>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(buf)}`)), ms);
          const check = () => {
            if (buf.includes(text)) {
              clearTimeout(t);
              res(buf);
            } else waiters.push(check);
          };
          check();
        }),
      });
    });
    socket.once('error', reject);
  });
}

/** One request/answer over a fresh connection: returns the backend name that answered. */
export async function whoAnswers(port: number, msg = 'hi'): Promise<string> {
  const c = await rawClient(port, msg);
  await c.waitFor(`:${msg}`);
  const name = c.data().split(':')[0]!;
  c.socket.destroy();
  return name;
}

export interface TcpRouter {
  router: Router;
  httpPort: number;
  tcpPort(name?: string): number;
  close(): Promise<void>;
}

/** Start a router; with `logs`, its warn-and-above log lines (JSON text) are collected there. */
export async function startTcpRouter(raw: Record<string, unknown>, logs?: string[]): Promise<TcpRouter> {
  const { config, problems } = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, routes: [], ...raw });
  if (!config) throw new Error('bad test config: ' + JSON.stringify(problems));
  const logger = logs ? pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }) : pino({ level: 'silent' });
  const router = new Router(config, { logger });
  const [addr] = await router.listen();
  return {
    router,
    httpPort: addr!.port,
    tcpPort: (name = 'tcp0') => router.tcp.address(name)!.port,
    close: () => router.close(1000),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond` holds (polling), or fail after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
