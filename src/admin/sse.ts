// GET /api/events: server-sent events. Every router event (backend state changes, weights, adds,
// removals, reloads, ejections, health checks) plus the once-a-second stats tick and affinity figures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from '../router.js';
import { affinityFigures } from './affinity.js';

/** A client that reads slower than this many buffered bytes is cut off. */
const MAX_BUFFERED = 1 << 20;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private seq = 0;
  private readonly off: () => void;

  constructor(private readonly router: Router) {
    this.off = router.events.onAny((name, payload) => {
      if (this.clients.size === 0) return;
      this.broadcast(name, payload);
      if (name === 'stats.tick') this.broadcast('affinity', affinityFigures(router));
    });
  }

  get size(): number {
    return this.clients.size;
  }

  /** Take over a response and stream events to it until the client leaves. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: 2000\n\n`);
    this.clients.add(res);
    this.write(res, 'hello', { configVersion: this.router.current.version, at: Date.now() });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    const done = () => {
      clearInterval(ping);
      this.clients.delete(res);
    };
    req.once('close', done);
    res.once('close', done);
  }

  private broadcast(name: string, payload: unknown): void {
    for (const res of this.clients) this.write(res, name, payload);
  }

  private write(res: ServerResponse, name: string, payload: unknown): void {
    if (res.writableLength > MAX_BUFFERED) {
      res.destroy();
      this.clients.delete(res);
      return;
    }
    res.write(`id: ${++this.seq}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  close(): void {
    this.off();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
