// Shared test helpers: real HTTP servers on 127.0.0.1 (port 0) and a real Router in front of them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { validate } from '../src/config/validate.js';
import { Router } from '../src/router.js';

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

/** A backend that answers with its own id and echoes what it received as JSON headers. */
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

export interface TestRouter {
  router: Router;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Start a Router on 127.0.0.1:0 from a config object (validated like a file). */
export async function startRouter(raw: Record<string, unknown>): Promise<TestRouter> {
  const { config, problems } = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, ...raw });
  if (!config) throw new Error('bad test config: ' + JSON.stringify(problems));
  const router = new Router(config, { logger: pino({ level: 'silent' }) });
  const [addr] = await router.listen();
  const port = addr!.port;
  return { router, port, url: `http://127.0.0.1:${port}`, close: () => router.close(2000) };
}
