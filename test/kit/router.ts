// A real Router on 127.0.0.1:0 from a config object, validated like a config file.
import { pino } from 'pino';
import { validate } from '../../src/config/validate.js';
import { Router } from '../../src/router.js';

export interface TestRouter {
  router: Router;
  /** The first HTTP listener's port. */
  port: number;
  url: string;
  /** The port of a raw TCP service (by name; the first is `tcp0`). */
  tcpPort(name?: string): number;
  close(): Promise<void>;
}

export interface RouterOptions {
  /** Collect the router's warn-and-above log lines (JSON text) here; silent without. */
  logs?: string[];
}

/** Start a Router; `raw` is merged over a loopback listener, no admin, silent log, no routes. */
export async function startRouter(raw: Record<string, unknown>, opts: RouterOptions = {}): Promise<TestRouter> {
  const { config, problems } = validate({ listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, routes: [], ...raw });
  if (!config) throw new Error('bad test config: ' + JSON.stringify(problems));
  const logs = opts.logs;
  const logger = logs ? pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }) : pino({ level: 'silent' });
  const router = new Router(config, { logger });
  const [addr] = await router.listen();
  if (!addr) throw new Error('router has no HTTP listener');
  return {
    router,
    port: addr.port,
    url: `http://127.0.0.1:${addr.port}`,
    tcpPort: (name = 'tcp0') => {
      const a = router.tcp.address(name);
      if (!a) throw new Error(`no tcp service ${name}`);
      return a.port;
    },
    close: () => router.close(2000),
  };
}
