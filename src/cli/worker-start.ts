// Cluster mode: each worker tells the primary whether it started (src/cli/start.ts). The primary
// prints the banner once, on stderr, when the first worker is serving; and when a worker fails to
// start before any has (a socket that cannot bind), it prints that worker's one line, stops
// everything and exits 1, as a single process does (src/cli/cluster.ts), instead of replacing
// workers that can never bind.
import cluster from 'node:cluster';

const STARTED = 'switchyard:started';
const FAILED = 'switchyard:start-failed';

type StartReport = { type: typeof STARTED; urls: string[] } | { type: typeof FAILED; line: string };

/** In a worker that is serving: its listener URLs. */
export function reportStarted(urls: string[]): void {
  if (cluster.isWorker && process.connected) process.send?.({ type: STARTED, urls } satisfies StartReport);
}

/**
 * In a worker that could not start: hand the primary its error line and resolve once it is sent.
 * Resolves false outside a worker (the caller prints the line itself).
 */
export function reportStartFailure(line: string): Promise<boolean> {
  if (!cluster.isWorker || !process.connected || !process.send) return Promise.resolve(false);
  return new Promise((resolve) => {
    process.send!({ type: FAILED, line } satisfies StartReport, undefined, {}, () => resolve(true));
  });
}

export interface StartWatch {
  /** The first worker that serves: its URLs. */
  started(urls: string[]): void;
  /** A worker that could not start; `first` while none has started yet. */
  failed(line: string, first: boolean): void;
}

/** In the primary: route the workers' start reports. */
export function watchStarts(on: StartWatch): void {
  let up = false;
  cluster.on('message', (_w, m: unknown) => {
    if (typeof m !== 'object' || m === null) return;
    const r = m as StartReport;
    if (r.type === STARTED && !up) {
      up = true;
      on.started(r.urls);
    } else if (r.type === FAILED) on.failed(r.line, !up);
  });
}
