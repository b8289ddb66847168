// Load a config file in a worker thread (src/config/load-worker.ts): the import (jiti), the
// validation and the large scheduler tables (src/pools/prebuild.ts) cost the main event loop
// nothing; the result arrives as one message. A fresh worker per load also means a fresh module
// cache, so a reload reads every imported file again.
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import type { PoolHints } from '../pools/prebuild.js';
import type { Config } from './normalized.js';

export interface LoadInput {
  file: string;
  hints: PoolHints;
}

export type LoadReply =
  | { ok: true; config: Config; files: string[]; tables: Map<string, unknown> }
  | { ok: false; problems: { path: string; message: string }[]; files: string[] };

/** Run from the TypeScript sources (tests, `npm run dev`): the worker needs tsx to read them. */
function startWorker(data: LoadInput): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./load-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(new URL('./load-worker.js', import.meta.url), { workerData: data });
}

/** Import, validate and prebuild in a worker. Never rejects: a failure is a reply with problems. */
export function loadOffThread(file: string, hints: PoolHints = {}): Promise<LoadReply> {
  const abs = resolve(file);
  return new Promise((done) => {
    let settled = false;
    const settle = (r: LoadReply) => {
      if (settled) return;
      settled = true;
      done(r);
    };
    const fail = (message: string) => settle({ ok: false, problems: [{ path: '(file)', message: `cannot load ${abs}: ${message}` }], files: [abs] });
    const w = startWorker({ file: abs, hints });
    w.once('message', (r: LoadReply) => {
      settle(r);
      void w.terminate();
    });
    w.once('error', (e) => fail(e.message));
    w.once('exit', (code) => fail(`the loading worker exited (code ${code}) without an answer`));
  });
}
