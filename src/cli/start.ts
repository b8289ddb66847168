// `switchyard start`: run the router (and, with --demo, the demo backends named in the config).
import type { Config } from '../config/normalized.js';
import { startDemoBackend, type DemoBackend, type DemoKind } from '../demo/backends.js';
import { DEMO_AGENT, startDemoTraffic } from '../demo/traffic.js';
import { DEMO_TLS_ENV, makeDemoCert, type DemoCert } from '../demo/cert.js';
import type { AddressInfo } from 'node:net';
import { Router, type ReloadResult } from '../router.js';
import { watchFiles, type ConfigWatcher } from '../config/watch.js';
import { loadOffThread } from '../config/off-thread.js';
import { withPrebuilt } from '../schedulers/prebuilt.js';
import { ConfigError, SwitchyardError } from '../errors.js';
import { startAdmin, type Admin } from '../admin/server.js';
import cluster from 'node:cluster';
import { startCluster, workerCount } from './cluster.js';
import { applyRelayedChanges, relayChanges, reloadHere, replayHeld } from './cluster-control.js';
import { shareStats } from './cluster-stats.js';
import { configWarnings } from './check.js';
import { reportStarted } from './worker-start.js';

export interface Running {
  router: Router;
  demo: DemoBackend[];
  stop(): Promise<void>;
}

function demoKind(pool: string): DemoKind {
  return pool.includes('cgi') ? 'cgi' : pool.includes('im') ? 'images' : 'html';
}

/** Start a demo backend for every loopback http backend in the config (into `out`, so a failure leaves what started closable). */
export async function startDemo(config: Config, out: DemoBackend[] = []): Promise<DemoBackend[]> {
  const seen = new Set<string>();
  for (const p of Object.values(config.pools)) {
    for (const b of p.backends) {
      if (b.protocol !== 'http:' || !/^(127\.|localhost$)/.test(b.host) || seen.has(b.id)) continue;
      seen.add(b.id);
      out.push(await startDemoBackend(demoKind(p.name), b.port, b.host === 'localhost' ? '127.0.0.1' : b.host));
    }
  }
  return out;
}

/** One line for a socket that could not bind: the address, the config key, the reason. */
export function bindFailure(e: unknown, config: Config): string {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  // 'bind' is how a cluster worker's listen fails (the primary binds for it)
  if ((err.syscall !== 'listen' && err.syscall !== 'bind') || err.port === undefined) return err.message;
  const keys = [
    ...config.listen.map((l, i) => ({ l, at: config.listen.length === 1 ? 'listen' : `listen[${i}]` })),
    ...config.tcp.map((t, i) => ({ l: t.listen, at: `tcp[${i}].listen` })),
  ].filter((k) => k.l.port === err.port).map((k) => k.at);
  const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available' : err.message;
  return `cannot listen on ${err.address}:${err.port}${keys.length ? ` (${keys.join(', ')})` : ''}: ${reason}; closed everything that had started`;
}

/** A router whose reloads (file change, SIGHUP, admin API) also refresh the set of watched files. */
class WatchedRouter extends Router {
  watcher: ConfigWatcher | undefined;
  override async reload(): Promise<ReloadResult> {
    const r = await super.reload();
    // a failed load may have stopped half way: keep watching what was watched, plus what it read
    if (this.watcher) this.watcher.watch(r.ok ? r.files : [...new Set([...this.watcher.files(), ...r.files])]);
    return r;
  }
}

/** URL of a bound listener; https when its config has `tls`. */
export function listenerUrl(a: { address: string; port: number }, tls = false): string {
  return `${tls ? 'https' : 'http'}://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * With --demo: the certificate the demo config's HTTPS listener names (src/demo/cert.ts), made
 * before the config is loaded. Cluster workers inherit the variable and reuse the primary's.
 */
async function demoCert(demo: boolean): Promise<{ cert?: DemoCert; off?: string }> {
  if (!demo || process.env[DEMO_TLS_ENV]) return {};
  const c = await makeDemoCert();
  if ('off' in c) return { off: c.off };
  process.env[DEMO_TLS_ENV] = c.dir;
  return { cert: c };
}

export interface StartOptions {
  demo: boolean;
  /** With demo: send the light demo load (default true). */
  traffic?: boolean;
  /** With demo: write the demo load's requests to the access log too (default false). */
  logDemoLoad?: boolean;
}

/** Human messages (started, stopping) go to stderr; stdout carries only access records. */
export function say(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

export async function start(file: string, opts: StartOptions): Promise<Running> {
  const tls = await demoCert(opts.demo);
  const removeCert = () => {
    tls.cert?.remove();
    if (tls.cert) delete process.env[DEMO_TLS_ENV];
  };
  try {
    const running = await startLoaded(file, opts, tls.off);
    return { ...running, stop: () => running.stop().finally(removeCert) };
  } catch (e) {
    removeCert();
    throw e;
  }
}

async function startLoaded(file: string, opts: StartOptions, httpsOff: string | undefined): Promise<Running> {
  // import, validation and large scheduler tables in a worker, as on reload
  const loaded = await loadOffThread(file);
  if (!loaded.ok) throw new ConfigError(loaded.problems, file);
  const config = loaded.config;
  const quiet = opts.demo && !opts.logDemoLoad ? { quietAgent: DEMO_AGENT } : {};
  const router = withPrebuilt(loaded.tables, () => new WatchedRouter(config, { file, ...quiet }));
  if (cluster.isPrimary && config.workers !== 1) {
    // node:cluster: the primary forks workers that share the listeners (see cluster.ts)
    return startCluster(file, router, opts.demo ? await startDemo(config) : [], workerCount(config.workers));
  }
  const demo: DemoBackend[] = [];
  let addrs: AddressInfo[];
  let admin: Admin | undefined;
  // in cluster mode one worker serves the admin API and relays its changes to the others
  const adminHere = !cluster.isWorker || process.env.SWITCHYARD_ADMIN === '1';
  try {
    if (opts.demo && process.env.SWITCHYARD_NO_DEMO !== '1') await startDemo(config, demo);
    if (cluster.isWorker) {
      // the primary's held runtime changes first, so this worker takes traffic with them applied
      await replayHeld(router);
      if (adminHere) relayChanges(router);
      else applyRelayedChanges(router);
    }
    addrs = await router.listen();
    admin = config.admin === false || !adminHere ? undefined : await startAdmin(router, config.admin);
    if (cluster.isWorker) shareStats(router, admin?.stats);
  } catch (e) {
    // anything that cannot bind: close all that did (listeners, tcp services, health timers, demo)
    await router.close(0);
    await Promise.all(demo.map((d) => d.close()));
    throw e instanceof SwitchyardError && e.code !== 'SY_ERR_LISTEN' ? e : new SwitchyardError('SY_ERR_LISTEN', bindFailure(e, config));
  }
  const urls = addrs.map((a, i) => listenerUrl(a, config.listen[i]?.tls !== undefined));
  reportStarted(urls);
  const plain = urls.find((u) => u.startsWith('http:'));
  const secure = urls.find((u) => u.startsWith('https:'));
  const traffic = demo.length && plain && opts.traffic !== false ? startDemoTraffic(plain) : undefined;
  // a changed file reloads (validated first; on any problem the running config stays); the
  // runtime logs the outcome once, on stderr (src/runtime/runtime.ts)
  const watcher = watchFiles(loaded.files, () => void reloadHere(router));
  router.watcher = watcher;
  const stop = async () => {
    watcher.close();
    await admin?.close();
    traffic?.stop();
    await router.close();
    await Promise.all(demo.map((d) => d.close()));
  };
  const lines = [`switchyard: routing on ${urls.join(', ')} (config ${file})`, ...configWarnings(config).map((w) => `  warning: ${w}`)];
  for (const t of router.tcp.list()) {
    if (t.address) lines.push(`  tcp service ${t.name}: ${t.address.address}:${t.address.port} -> pool ${t.pool}${t.acceptProxy ? ' (expects a PROXY header)' : ''}`);
  }
  if (admin) {
    lines.push(`  dashboard: ${admin.url}/${config.admin && config.admin.token ? '  (asks for the admin token)' : ''}`,
      `  admin API: ${admin.url}/api/status   metrics: ${admin.url}/metrics   switchyard adm list${admin.url === 'http://127.0.0.1:9090' ? '' : ` --admin ${admin.url}`}`);
  }
  if (demo.length) {
    lines.push(`  demo backends: ${demo.map((d) => `${d.kind}@${d.port}`).join(', ')}`);
    const base = plain ?? urls[0]!;
    if (secure && process.env[DEMO_TLS_ENV]) lines.push(`  https: a self-signed certificate for localhost and 127.0.0.1, made now by openssl in ${process.env[DEMO_TLS_ENV]} (1 day, removed at exit)`);
    if (httpsOff) lines.push(`  the HTTPS demo port is off: ${httpsOff}`);
    lines.push('  try:', `    curl -sv ${base}/`, `    curl -sv ${base}/img/7.png -o /dev/null`, `    curl -sv ${base}/cgi-bin/env`,
      `    curl -sv -d name=switchyard ${base}/cgi-bin/form`);
    if (secure) lines.push(`    curl -k --http2 ${secure}/`);
    if (traffic) lines.push(`  a light demo load (4 req/s) keeps the dashboard moving; --no-traffic turns it off${opts.logDemoLoad ? '' : ', --log-demo-load logs it'}`);
  }
  if (!cluster.isWorker) say(lines.join('\n'));
  else if (admin) say(`switchyard: worker ${cluster.worker?.id ?? '?'} serves the admin API and dashboard at ${admin.url}/ (figures add up every worker's; changes reach every worker)`);
  return { router, demo, stop };
}
