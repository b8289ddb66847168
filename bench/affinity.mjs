// Micro-benchmark: the affinity table (src/affinity/table.ts) — heap per 1,000,000 entries and
// ns per look-up / insert. Needs `npm run build` (reads dist/). Usage: node --expose-gc bench/affinity.mjs [N]
import { performance } from 'node:perf_hooks';

const dist = new URL('../dist/', import.meta.url);
const { AffinityTable } = await import(new URL('affinity/table.js', dist).href);

const N = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc ?? (() => undefined);
if (!globalThis.gc) process.stderr.write('warning: run with --expose-gc for exact heap figures\n');
const ip = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const now = Date.now();
const backends = ['10.1.0.1:8080', '10.1.0.2:8080', '10.1.0.3:8080', '10.1.0.4:8080'];
const mb = (b) => (b / 1048576).toFixed(1);

// ---- heap per N entries (client templates keyed by distinct IPv4 addresses) ----
gc();
const heap0 = process.memoryUsage().heapUsed;
const ab0 = process.memoryUsage().arrayBuffers;
let table = new AffinityTable({ timeout: 300, maxEntries: N });
for (let i = 0; i < N; i++) table.pin('web', 'client', ip(i), backends[i & 3], now);
gc();
const mem = process.memoryUsage();
const heap = mem.heapUsed - heap0;
const ab = mem.arrayBuffers - ab0;
process.stdout.write(`entries                 ${table.size.toLocaleString('en')}\n`);
process.stdout.write(`heap used               ${mb(heap)} MB  (+ ${mb(ab)} MB typed arrays off-heap) = ${((heap + ab) / N).toFixed(0)} bytes/entry\n`);
process.stdout.write(`per 1M entries          ${mb(((heap + ab) / N) * 1e6)} MB (heap + typed arrays)\n`);

// ---- timings: the table already holds N entries; keys pre-built so only the table is timed ----
const keys = new Array(N);
for (let i = 0; i < N; i++) keys[i] = ip(i);
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const M = Math.min(N, 1_000_000);
const order = new Int32Array(M);
for (let i = 0; i < M; i++) order[i] = Math.floor(rnd() * N);

// wall time and this process's CPU time (user + sys): on a shared, loaded machine the CPU figure
// leaves out the time other processes held the cores
function timeIt(label, fn) {
  fn(Math.min(M, 100_000)); // warm-up
  // bytes allocated per op: a short run between two forced GCs (needs --expose-gc)
  let alloc = '';
  if (globalThis.gc) {
    const k = 20_000;
    globalThis.gc();
    const m0 = process.memoryUsage().heapUsed;
    fn(k);
    alloc = `   ${Math.max(0, (process.memoryUsage().heapUsed - m0) / k).toFixed(0).padStart(4)} B/op allocated`;
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  fn(M);
  const c = process.cpuUsage(c0);
  const wall = ((performance.now() - t0) * 1e6) / M;
  const cpu = ((c.user + c.system) * 1e3) / M;
  process.stdout.write(`${label.padEnd(28)}${cpu.toFixed(0).padStart(6)} ns/op CPU   ${wall.toFixed(0).padStart(6)} ns/op wall${alloc}\n`);
  return cpu;
}

let sink = 0;
timeIt('look-up (hit)', (n) => {
  for (let i = 0; i < n; i++) if (table.lookup('web', 'client', keys[order[i]], now) !== undefined) sink++;
});
// new clients' keys, built beforehand too (in the router the masked address string exists already)
const freshKeys = new Array(4 * M);
for (let i = 0; i < freshKeys.length; i++) freshKeys[i] = ip(N + i);
// real traffic is skewed: look-ups drawn Zipf-like (rank = N^u, P(rank) ∝ 1/rank) over the same N clients
const zipf = new Int32Array(M);
for (let i = 0; i < M; i++) zipf[i] = Math.min(N - 1, Math.floor(Math.pow(N, rnd())) - 1);
timeIt('look-up (hit), Zipf', (n) => {
  for (let i = 0; i < n; i++) if (table.lookup('web', 'client', keys[zipf[i]], now) !== undefined) sink++;
});
let fresh = 0;
timeIt('insert (evicts LRU)', (n) => {
  for (let i = 0; i < n; i++) table.pin('web', 'client', freshKeys[fresh++], backends[i & 3], now);
});
// the decision path: look up; on a miss pin (half the keys are new, so half the look-ups miss)
timeIt('look-up + insert', (n) => {
  for (let i = 0; i < n; i++) {
    const k = i & 1 ? keys[order[i]] : freshKeys[fresh++];
    if (table.lookup('web', 'client', k, now) === undefined) table.pin('web', 'client', k, backends[i & 3], now);
  }
});
timeIt('look-up + insert, Zipf', (n) => {
  for (let i = 0; i < n; i++) {
    const k = i & 1 ? keys[zipf[i]] : freshKeys[fresh++];
    if (table.lookup('web', 'client', k, now) === undefined) table.pin('web', 'client', k, backends[i & 3], now);
  }
});
timeIt('sweep (per slot)', (n) => {
  table.sweep(now + 301_000, n);
});
// the platform's floor on this machine: one Map<string, number>.get over the same N keys, filled
// like the table was (equal strings, not the same string objects as the look-up keys)
const base = new Map();
for (let i = 0; i < N; i++) base.set(ip(i), i);
timeIt('baseline Map.get', (n) => {
  for (let i = 0; i < n; i++) if (base.get(keys[order[i]]) !== undefined) sink++;
});
timeIt('baseline Map.get, Zipf', (n) => {
  for (let i = 0; i < n; i++) if (base.get(keys[zipf[i]]) !== undefined) sink++;
});
const s = table.stats();
process.stdout.write(`after sweep             ${s.entries} entries, ${s.evictions.toLocaleString('en')} evictions, ${s.expirations.toLocaleString('en')} expirations (sink ${sink > 0})\n`);
table = undefined;

// the table's own CPU cost, with memory out of the picture: 1,000 entries (cache-resident), 5M ops
{
  const n = 1000;
  const ops = 5_000_000;
  const small = new AffinityTable({ timeout: 300, maxEntries: n });
  const ks = [];
  const m = new Map();
  for (let i = 0; i < n; i++) {
    ks.push(ip(i));
    small.pin('web', 'client', ip(i), backends[i & 3], now);
    m.set(ip(i), i);
  }
  const run = (label, f) => {
    f(ops / 10);
    const c0 = process.cpuUsage();
    f(ops);
    const c = process.cpuUsage(c0);
    process.stdout.write(`${label.padEnd(28)}${(((c.user + c.system) * 1e3) / ops).toFixed(0).padStart(6)} ns/op CPU\n`);
  };
  run('hot 1k: look-up (hit)', (k) => {
    for (let i = 0; i < k; i++) if (small.lookup('web', 'client', ks[(i * 7919) % n], now) !== undefined) sink++;
  });
  run('hot 1k: look-up + re-pin', (k) => {
    for (let i = 0; i < k; i++) {
      const key = ks[(i * 7919) % n];
      if (small.lookup('web', 'client', key, now) !== undefined) small.pin('web', 'client', key, backends[i & 3], now);
    }
  });
  run('hot 1k: baseline Map.get', (k) => {
    for (let i = 0; i < k; i++) if (m.get(ks[(i * 7919) % n]) !== undefined) sink++;
  });
}
