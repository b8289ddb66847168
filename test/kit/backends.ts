// In-process backends on 127.0.0.1:0: any handler, echo, switchable (ok / 503 / hang / failing
// health endpoint), slow, and a raw TCP echo; and a port that refuses connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export interface TestServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    server, port, url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

/** A backend that answers with its own id and echoes what it received as JSON. */
export function echoBackend(name: string): Promise<TestServer & { seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  return startServer((req, res) => {
    seen.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }).then((s) => Object.assign(s, { seen }));
}

/** A port that refuses connections (bound, then closed). */
export async function refusedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

export type Mode = 'ok' | '503' | 'hang';

export interface SwitchBackend extends TestServer {
  name: string;
  mode: Mode;
  /** Health endpoint answers 500 while false. */
  healthOk: boolean;
  hits: number;
  healthHits: number;
}

/** A backend whose behaviour a test switches: `GET /healthz` for checks, anything else answers its name. */
export async function switchBackend(name: string): Promise<SwitchBackend> {
  const state = { name, mode: 'ok' as Mode, healthOk: true, hits: 0, healthHits: 0 };
  const held: ServerResponse[] = [];
  const s = await startServer((req, res) => {
    if (state.mode === 'hang') {
      held.push(res);
      return;
    }
    if (req.url === '/healthz') {
      state.healthHits++;
      res.writeHead(state.healthOk && state.mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' });
      res.end(state.healthOk ? 'ok' : 'failing');
      return;
    }
    state.hits++;
    const status = state.mode === '503' ? 503 : 200;
    res.writeHead(status, { 'x-backend': name, 'content-type': 'text/plain' });
    res.end(status === 503 ? 'unavailable' : name);
  });
  const close = s.close;
  return Object.assign(state, s, {
    close: async () => {
      for (const r of held) r.destroy();
      await close();
    },
  });
}

/** A backend that records each request's fate: 'end' (whole body read) or 'aborted'; answers `got <bytes>`. */
export async function recordingBackend(): Promise<TestServer & { fates: string[] }> {
  const fates: string[] = [];
  const s = await startServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      fates.push('end');
      res.end(`got ${n}\n`);
    });
    req.on('aborted', () => fates.push('aborted'));
    req.on('error', () => undefined);
  });
  return Object.assign(s, { fates });
}

export interface SlowBackend extends TestServer {
  /** Requests received, by URL, in order. */
  seen: string[];
  /** The most requests it held at once. */
  max(): number;
}

/**
 * Answers `done <url>` (header `x-backend: <name>`) after `ms`; a path `/slow/<n>` waits n ms
 * instead.
 */
export async function slowBackend(name: string, ms = 0): Promise<SlowBackend> {
  const seen: string[] = [];
  let active = 0;
  let most = 0;
  const s = await startServer((req, res) => {
    const url = req.url ?? '';
    seen.push(url);
    most = Math.max(most, ++active);
    const m = /^\/slow\/(\d+)/.exec(url);
    setTimeout(() => {
      active--;
      res.writeHead(200, { 'x-backend': name, 'content-type': 'text/plain' });
      res.end(`done ${url}\n`);
    }, m ? Number(m[1]) : ms);
  });
  return Object.assign(s, { seen, max: () => most });
}

export interface TcpEchoBackend {
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
export async function tcpEchoBackend(name: string): Promise<TcpEchoBackend> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer({ allowHalfOpen: true }, (s) => {
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
