// Cost of a shadow scheduler per request (docs/schedulers.md "Shadow schedulers"): the live
// decision alone, then the live decision plus the shadow's decision and its two cache-model
// look-ups (what src/proxy/exchange.ts adds per request when `pools.<name>.shadow` is set).
// Build first:  npm run -s build   then:  node bench/shadow.mjs [--requests 300000]
import { PoolRuntime } from '../dist/pools/pool.js';
import { RequestFacts } from '../dist/match/facts.js';
import { zipfCdf, sampleCdf } from '../dist/sim/zipf.js';
import { seededRng } from '../dist/schedulers/rng.js';
import { getScheduler } from '../dist/schedulers/registry.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const N = arg('--requests', 300_000);
const REPS = 3;
const OBJECTS = 10_000;

function cpuNs(fn) {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}

const backends = Array.from({ length: 8 }, (_, i) => ({ id: `10.0.0.${i + 1}:80`, url: `http://10.0.0.${i + 1}:80`, protocol: 'http:', host: `10.0.0.${i + 1}`, port: 80, weight: 1 }));
const spec = (live, shadow) => ({
  name: 'p', scheduler: live, params: defaults(live), rawParams: {}, hashKey: { kind: 'path' }, timeout: 1000, connectTimeout: 1000, retries: 0,
  learnMime: false, affinity: 'none', health: undefined, outlier: { consecutiveFailures: 0, baseEjectionTime: 1, maxEjectionTime: 1, maxEjectPercent: 50 },
  slowStart: 0, sendProxy: undefined, tls: undefined, backends, ...(shadow ? { shadow } : {}),
});
/** A scheduler's parameters at their defaults, parsed as a config would be. */
const defaults = (name) => getScheduler(name).parse({}, name, []);

const rng = seededRng(3);
const cdf = zipfCdf(0.9, OBJECTS);
const facts = Array.from({ length: 4096 }, () => new RequestFacts('GET', `/obj/${sampleCdf(cdf, rng()) + 1}`, '', {}, undefined));
const sizes = facts.map((_, i) => String(512 + ((i * 7919) % 60_000)));

function run(live, shadow) {
  const pool = new PoolRuntime(spec(live, shadow), 0);
  const ctx = { key: undefined, clientIp: '10.1.1.1', clientPort: 1234, now: 0 };
  const hashing = pool.def.hashing;
  return cpuNs(() => {
    for (let i = 0; i < N; i++) {
      const f = facts[i & 4095];
      ctx.key = hashing ? f.path : undefined;
      ctx.now = i;
      const b = pool.pick(ctx);
      if (pool.shadow !== undefined) {
        const s = pool.shadow.decide(ctx, f, ctx.clientIp, pool.spec.hashKey, pool.backends, b);
        pool.shadow.answered(s, b.id, sizes[i & 4095]);
      }
    }
  }) / N;
}

const rows = [
  ['wrr', undefined, 'none'],
  ['wrr', { scheduler: 'wrr', params: defaults('wrr'), rawParams: {}, cacheBytes: 64 << 20 }, 'wrr'],
  ['wrr', { scheduler: 'lard', params: defaults('lard'), rawParams: {}, cacheBytes: 64 << 20 }, 'lard'],
  ['mh', undefined, 'none'],
  ['mh', { scheduler: 'lard', params: defaults('lard'), rawParams: {}, cacheBytes: 64 << 20 }, 'lard'],
];
console.log(`| live | shadow | ns / request | added by the shadow |`);
console.log(`|---|---|---:|---:|`);
let base = 0;
for (const [live, shadow, label] of rows) {
  const ns = Math.min(...Array.from({ length: REPS }, () => run(live, shadow)));
  if (shadow === undefined) base = ns;
  console.log(`| ${live} | ${label} | ${ns.toFixed(0)} | ${shadow === undefined ? '–' : `+${(ns - base).toFixed(0)}`} |`);
}
