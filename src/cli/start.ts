// `switchyard start`: run the router (and, with --demo, the demo backends named in the config).
import type { Config } from '../config/normalized.js';
import { startDemoBackend, type DemoBackend, type DemoKind } from '../demo/backends.js';
import { startDemoTraffic } from '../demo/traffic.js';
import { Router } from '../router.js';
import { watchConfig } from '../config/watch.js';
import { startAdmin, type Admin } from '../admin/server.js';
import cluster from 'node:cluster';
import { startCluster, workerCount } from './cluster.js';
import { applyRelayedChanges, relayChanges } from './cluster-control.js';

export interface Running {
  router: Router;
  demo: DemoBackend[];
  stop(): Promise<void>;
}

function demoKind(pool: string): DemoKind {
  return pool.includes('cgi') ? 'cgi' : pool.includes('im') ? 'images' : 'html';
}

/** Start a demo backend for every loopback http backend in the config. */
export async function startDemo(config: Config): Promise<DemoBackend[]> {
  const out: DemoBackend[] = [];
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

export async function start(file: string, opts: { demo: boolean; traffic?: boolean }): Promise<Running> {
  const router = await Router.fromFile(file);
  const config = router.current.config;
  if (cluster.isPrimary && config.workers !== 1) {
    // node:cluster: the primary forks workers that share the listeners (see cluster.ts)
    return startCluster(file, router, opts.demo ? await startDemo(config) : [], workerCount(config.workers));
  }
  const demo = opts.demo && process.env.SWITCHYARD_NO_DEMO !== '1' ? await startDemo(config) : [];
  const addrs = await router.listen();
  let admin: Admin | undefined;
  // in cluster mode one worker serves the admin API and relays its changes to the others
  const adminHere = !cluster.isWorker || process.env.SWITCHYARD_ADMIN === '1';
  if (cluster.isWorker) {
    if (adminHere) relayChanges(router);
    else applyRelayedChanges(router);
  }
  try {
    admin = config.admin === false || !adminHere ? undefined : await startAdmin(router, { host: config.admin.host, port: config.admin.port, token: config.admin.token, allowedHosts: config.admin.allowedHosts });
  } catch (e) {
    await router.close(0);
    await Promise.all(demo.map((d) => d.close()));
    throw e;
  }
  const url = (a: { address: string; port: number }) => `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  const traffic = demo.length && opts.traffic !== false ? startDemoTraffic(url(addrs[0]!)) : undefined;
  // a changed file reloads (validated first; on any problem the running config stays)
  const watcher = watchConfig(file, () => {
    void router.reload().then((r) => {
      process.stdout.write(r.ok ? `switchyard: ${file} changed: reloaded (${r.changes.length} changes)\n` : `switchyard: ${file} changed: reload rejected, keeping the running config:\n${r.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}\n`);
    });
  });
  const stop = async () => {
    watcher.close();
    await admin?.close();
    traffic?.stop();
    await router.close();
    await Promise.all(demo.map((d) => d.close()));
  };
  const lines = [`switchyard: routing on ${addrs.map(url).join(', ')} (config ${file})`];
  for (const t of router.tcp.list()) {
    if (t.address) lines.push(`  tcp service ${t.name}: ${t.address.address}:${t.address.port} -> pool ${t.pool}${t.acceptProxy ? ' (expects a PROXY header)' : ''}`);
  }
  if (admin) {
    lines.push(`  dashboard: ${admin.url}/${config.admin && config.admin.token ? '  (asks for the admin token)' : ''}`,
      `  admin API: ${admin.url}/api/status   metrics: ${admin.url}/metrics   switchyard adm list${admin.url === 'http://127.0.0.1:9090' ? '' : ` --admin ${admin.url}`}`);
  }
  if (demo.length) {
    lines.push(`  demo backends: ${demo.map((d) => `${d.kind}@${d.port}`).join(', ')}`);
    const base = url(addrs[0]!);
    lines.push('  try:', `    curl -sv ${base}/`, `    curl -sv ${base}/img/7.png -o /dev/null`, `    curl -sv ${base}/cgi-bin/env`,
      `    curl -sv -d name=switchyard ${base}/cgi-bin/form`);
    if (traffic) lines.push('  a light demo load (4 req/s) keeps the dashboard moving; --no-traffic turns it off');
  }
  if (!cluster.isWorker) process.stdout.write(lines.join('\n') + '\n');
  else if (admin) process.stdout.write(`switchyard: worker ${cluster.worker?.id ?? '?'} serves the admin API and dashboard at ${admin.url}/ (its figures are this worker's; changes reach every worker)\n`);
  return { router, demo, stop };
}
