// `workers: 'auto' | N`: the primary forks N node:cluster workers that share the listeners; each runs
// a full router. Affinity across workers: with `affinity.store` the workers share templates through
// Redis; without it each worker makes a client's first choice by rendezvous hashing of the client
// key (src/affinity/consistent.ts), so every worker pins a client to the same backend. Cookie pins
// are self-contained; the primary hands all workers one cookie key.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { DemoBackend } from '../demo/backends.js';
import type { Router } from '../router.js';
import { configWarnings } from './check.js';
import { forwardChanges } from './cluster-control.js';
import { gatherStats } from './cluster-stats.js';
import { RespawnBackoff } from './respawn.js';
import { watchStarts } from './worker-start.js';

export interface ClusterRunning {
  router: Router;
  demo: DemoBackend[];
  stop(): Promise<void>;
}

export function workerCount(configured: number): number {
  return configured === 0 ? availableParallelism() : configured;
}

/**
 * Run as the cluster primary: fork, restart crashed workers (with a back-off, src/cli/respawn.ts),
 * forward SIGHUP, stop on demand; exit 1 when a worker cannot bind before any serves.
 */
export function startCluster(file: string, router: Router, demo: DemoBackend[], n: number): ClusterRunning {
  process.env.SWITCHYARD_AFFINITY_SECRET ??= randomBytes(24).toString('base64url');
  process.env.SWITCHYARD_NO_DEMO = '1';
  let stopping = false;
  // one worker runs the admin server (and its replacement, should it die); see cluster-control.ts
  let adminWorker: number | undefined;
  const born = new Map<number, number>();
  const pending = new Set<NodeJS.Timeout>();
  const backoff = new RespawnBackoff();
  const fork = (): Worker => {
    const admin = adminWorker === undefined;
    const w = cluster.fork({ SWITCHYARD_ADMIN: admin ? '1' : '0' });
    if (admin) adminWorker = w.id;
    born.set(w.id, Date.now());
    return w;
  };
  forwardChanges();
  gatherStats(() => adminWorker);
  // the banner once the first worker serves; a worker that cannot bind before that ends the start
  watchStarts({
    started: (urls) => process.stderr.write([`switchyard: routing on ${urls.join(', ')} with ${n} workers (config ${file})`,
      ...configWarnings(router.current.config).map((w) => `  warning: ${w}`)].join('\n') + '\n'),
    failed: (line, first) => {
      if (stopping) return;
      process.stderr.write(`switchyard: ${line}\n`);
      if (first) void stop().then(() => process.exit(1));
    },
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    if (w.id === adminWorker) adminWorker = undefined;
    const delay = backoff.next(Date.now() - (born.get(w.id) ?? 0));
    born.delete(w.id);
    process.stderr.write(`switchyard: worker ${w.process.pid} exited (${signal ?? code}); starting another in ${delay} ms\n`);
    // not unref'd: with every worker dead this timer is what keeps the primary alive
    const t = setTimeout(() => {
      pending.delete(t);
      if (stopping) return;
      const n = fork();
      process.stderr.write(`switchyard: worker ${n.process.pid} replaces ${w.process.pid}\n`);
    }, delay);
    pending.add(t);
  });
  for (let i = 0; i < n; i++) fork();
  const onHup = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  const stop = async () => {
    stopping = true;
    for (const t of pending) clearTimeout(t);
    process.off('SIGHUP', onHup);
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(live.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      const t = setTimeout(() => w.process.kill('SIGKILL'), 15_000);
      w.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      w.process.kill('SIGTERM');
    })));
    await router.close(0);
    await Promise.all(demo.map((d) => d.close()));
  };
  return { router, demo, stop };
}
