// `switchyard start`: run the router (and, with --demo, the demo backends named in the config).
import type { Config } from '../config/normalized.js';
import { startDemoBackend, type DemoBackend, type DemoKind } from '../demo/backends.js';
import { startDemoTraffic } from '../demo/traffic.js';
import { Router } from '../router.js';

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
  const demo = opts.demo ? await startDemo(config) : [];
  const addrs = await router.listen();
  const url = (a: { address: string; port: number }) => `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  const traffic = demo.length && opts.traffic !== false ? startDemoTraffic(url(addrs[0]!)) : undefined;
  const stop = async () => {
    traffic?.stop();
    await router.close();
    await Promise.all(demo.map((d) => d.close()));
  };
  const lines = [`switchyard: routing on ${addrs.map(url).join(', ')} (config ${file})`];
  if (demo.length) {
    lines.push(`  demo backends: ${demo.map((d) => `${d.kind}@${d.port}`).join(', ')}`);
    const base = url(addrs[0]!);
    lines.push('  try:', `    curl -sv ${base}/`, `    curl -sv ${base}/img/7.png -o /dev/null`, `    curl -sv ${base}/cgi-bin/env`,
      `    curl -sv -d name=switchyard ${base}/cgi-bin/form`);
    if (traffic) lines.push('  a light demo load (8 req/s) keeps the dashboard moving; --no-traffic turns it off');
  }
  process.stdout.write(lines.join('\n') + '\n');
  return { router, demo, stop };
}
