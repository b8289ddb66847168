// Test kit for health and change-under-load tests: backends whose behaviour can be switched
// (ok, 503, hang, failing health endpoint), backends in child processes (to SIGKILL), event waits.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, EventMap, EventName } from '../../src/events.js';
import { startServer, type TestServer } from '../helpers.js';

export type Mode = 'ok' | '503' | 'hang';

export interface SwitchBackend extends TestServer {
  name: string;
  mode: Mode;
  /** Health endpoint answers 500 while false. */
  healthOk: boolean;
  hits: number;
  healthHits: number;
}

/** In-process backend: `GET /healthz` for checks, anything else answers its name. */
export async function switchBackend(name: string): Promise<SwitchBackend> {
  const state = { name, mode: 'ok' as Mode, healthOk: true, hits: 0, healthHits: 0 };
  const held: ServerResponse[] = [];
  const s = await startServer((req: IncomingMessage, res: ServerResponse) => {
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
    if (state.mode === '503') {
      res.writeHead(503, { 'x-backend': name, 'content-type': 'text/plain' });
      res.end('unavailable');
      return;
    }
    res.writeHead(200, { 'x-backend': name, 'content-type': 'text/plain' });
    res.end(name);
  });
  const close = s.close;
  return Object.assign(state, s, {
    close: async () => {
      for (const r of held) r.destroy();
      await close();
    },
  });
}

const CHILD = `
const http = require('node:http');
const name = process.env.NAME;
const s = http.createServer((req, res) => {
  res.writeHead(200, { 'x-backend': name, 'content-type': 'text/plain' });
  res.end(name);
});
s.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'));
`;

export interface ChildBackend {
  name: string;
  port: number;
  url: string;
  proc: ChildProcess;
}

/** A backend in its own process, so a test can SIGKILL it; `port` 0 picks a free one. */
export function childBackend(name: string, port = 0): Promise<ChildBackend> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', CHILD], { env: { ...process.env, NAME: name, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child backend ${name} did not start`)), 5000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const p = Number(m[1]);
        resolve({ name, port: p, url: `http://127.0.0.1:${p}`, proc });
      }
    });
    proc.once('exit', (code) => reject(new Error(`child backend ${name} exited ${code}`)));
  });
}

export function kill(c: ChildBackend): Promise<void> {
  return new Promise((r) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return r();
    c.proc.once('exit', () => r());
    c.proc.kill('SIGKILL');
  });
}

/** Resolve with the first `name` event that satisfies `pred`, or reject after `ms`. */
export function nextEvent<K extends EventName>(bus: EventBus, name: K, pred: (p: EventMap[K]) => boolean, ms = 5000): Promise<EventMap[K] & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const off = bus.on(name, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve({ ...p, at: Date.now() });
    });
  });
}

/** Record every event with its time. */
export function recordEvents(bus: EventBus): { name: string; at: number; payload: Record<string, unknown> }[] {
  const out: { name: string; at: number; payload: Record<string, unknown> }[] = [];
  bus.onAny((name, payload) => out.push({ name, at: Date.now(), payload: payload as unknown as Record<string, unknown> }));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
