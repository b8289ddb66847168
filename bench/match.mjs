// Micro-benchmark: route matching with 100 rules (src/match/compile.ts Matcher), ns/op and bytes
// allocated per op. Needs `npm run build` (reads dist/). Usage: node --expose-gc bench/match.mjs
import { performance } from 'node:perf_hooks';

const dist = process.env.SWITCHYARD_DIST ? new URL(`file://${process.env.SWITCHYARD_DIST.replace(/\/?$/, '/')}`) : new URL('../dist/', import.meta.url);
const { validate } = await import(new URL('config/validate.js', dist).href);
const { Matcher } = await import(new URL('match/compile.js', dist).href);
const { RequestFacts } = await import(new URL('match/facts.js', dist).href);
const { LearnedMime } = await import(new URL('match/mime.js', dist).href);

// 99 rules of the kinds a real config has (path globs, headers, methods, hosts, MIME), then the catch-all.
const routes = [];
for (let i = 0; i < 99; i++) {
  const k = i % 5;
  const match =
    k === 0 ? { path: [`/svc${i}/**`, `/v${i}/*.json`] }
    : k === 1 ? { headers: { 'x-tenant': `t${i}` } }
    : k === 2 ? { host: `h${i}.example.com`, path: '/api/**' }
    : k === 3 ? { method: ['POST', 'PUT'], path: `/w${i}/**` }
    : { mime: `image/x-${i}` };
  routes.push({ name: `r${i}`, match, pool: 'p' });
}
routes.push({ name: 'default', match: {}, pool: 'p' });
const { config, problems } = validate({ listen: { port: 1 }, pools: { p: { backends: ['http://127.0.0.1:1'] } }, routes });
if (!config) throw new Error(JSON.stringify(problems));
const matcher = new Matcher(config.routes);
const learned = new LearnedMime();

const cases = {
  'catch-all (all 100 tried)': { method: 'GET', path: '/index.html', headers: { host: 'www.example.com', accept: 'text/html' } },
  'rule 50 (path glob)': { method: 'GET', path: '/svc50/a/b', headers: { host: 'www.example.com' } },
  'rule 1 (header)': { method: 'GET', path: '/x', headers: { host: 'www.example.com', 'x-tenant': 't1' } },
};

function bench(name, c, n) {
  const run = (count) => {
    let hit = 0;
    for (let i = 0; i < count; i++) {
      const f = new RequestFacts(c.method, c.path, '', c.headers, learned);
      if (matcher.match(f) !== null) hit++;
    }
    return hit;
  };
  run(50_000); // warm-up
  const t0 = performance.now();
  run(n);
  const t1 = performance.now();
  // allocation: a short run that fits in the young generation, between two forced GCs
  const small = 5_000;
  globalThis.gc?.();
  const m0 = process.memoryUsage().heapUsed;
  run(small);
  const m1 = process.memoryUsage().heapUsed;
  const alloc = globalThis.gc ? Math.max(0, (m1 - m0) / small) : NaN;
  process.stdout.write(`| ${name} | ${((t1 - t0) * 1e6 / n).toFixed(0)} | ${Number.isFinite(alloc) ? alloc.toFixed(0) : 'run with --expose-gc'} |\n`);
}

process.stdout.write('| route matching, 100 rules | ns/op | bytes allocated/op (approx.) |\n| --- | ---: | ---: |\n');
for (const [name, c] of Object.entries(cases)) bench(name, c, 200_000);
