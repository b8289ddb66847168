// Micro-benchmark: the affinity table (src/affinity/table.ts) — heap per 1,000,000 entries and
// ns per look-up / insert. Needs `npm run build` (reads dist/). Usage: node --expose-gc bench/affinity.mjs [N]
import { performance } from 'node:perf_hooks';

const dist = new URL('../dist/', import.meta.url);
const { AffinityTable } = await import(new URL('affinity/table.js', dist).href);

const N = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc ?? (() => undefined);
if (!globalThis.gc) process.stderr.write('warning: run with --expose-gc for exact heap figures\n');
// keys as flat strings, like the address a socket reports (a template literal this long would be a
// cons string, which the first character read flattens: an allocation and a copy the router never pays)
const flat = (s) => Buffer.from(s, 'latin1').toString('latin1');
const ip = (i) => flat(`10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`);
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

// ---- timings: the table already holds N entries ----
// Keys are built beforehand, one string per operation, in the order the operations use them: in the
// router the key (the client address) was made just before the look-up, so it is in cache. Each run
// continues where the previous one stopped (warm-up, allocation probe, timed samples), so no run
// repeats another's keys. One row, "cold keys", fetches each key from a random spot of a 1M-element
// array instead, as this bench did before: that adds two cache misses per operation that are not the
// table's. The timed part is 5 samples of M/5 operations: the median is printed, with the range, as
// this VM's speed drifts within a run.
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const M = Math.min(N, 1_000_000);
const RUN = M + 120_000; // keys per row: warm-up 100,000 + allocation probe 20,000 + timed M
const SAMPLES = 5;
let fresh = N; // clients not yet in the table
const uniform = () => Math.floor(rnd() * N);
const zipfRank = () => Math.min(N - 1, Math.floor(Math.pow(N, rnd())) - 1); // P(rank) ∝ 1/rank
const keysOf = (pick) => {
  const a = new Array(RUN);
  for (let i = 0; i < RUN; i++) a[i] = ip(pick(i));
  return a;
};

// wall time and this process's CPU time (user + sys): on a shared, loaded machine the CPU figure
// leaves out the time other processes held the cores
function timeIt(label, fn) {
  let at = 0;
  const run = (n) => {
    fn(at, at + n);
    at += n;
  };
  run(100_000); // warm-up
  // bytes allocated per op: a short run between two forced GCs (needs --expose-gc)
  let alloc = '';
  if (globalThis.gc) {
    const k = 20_000;
    globalThis.gc();
    const m0 = process.memoryUsage().heapUsed;
    run(k);
    alloc = `   ${Math.max(0, (process.memoryUsage().heapUsed - m0) / k).toFixed(0).padStart(4)} B/op allocated`;
  }
  const cpu = [];
  const wall = [];
  const n = Math.floor(M / SAMPLES);
  for (let k = 0; k < SAMPLES; k++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    run(n);
    const c = process.cpuUsage(c0);
    wall.push(((performance.now() - t0) * 1e6) / n);
    cpu.push(((c.user + c.system) * 1e3) / n);
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const range = `(${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)})`;
  process.stdout.write(`${label.padEnd(28)}${med(cpu).toFixed(0).padStart(6)} ns/op CPU ${range.padEnd(12)}${med(wall).toFixed(0).padStart(6)} ns/op wall${alloc}\n`);
}

let sink = 0;
const lookups = (ks) => (from, to) => {
  for (let i = from; i < to; i++) if (table.lookup('web', 'client', ks[i], now) !== undefined) sink++;
};
// the decision path: look up; on a miss pin (half the keys are new, so half the look-ups miss)
const decide = (ks) => (from, to) => {
  for (let i = from; i < to; i++) {
    const k = ks[i];
    if (table.lookup('web', 'client', k, now) === undefined) table.pin('web', 'client', k, backends[i & 3], now);
  }
};
timeIt('look-up (hit)', lookups(keysOf(uniform)));
timeIt('look-up (hit), Zipf', lookups(keysOf(zipfRank)));
{
  const ks = keysOf(() => fresh++);
  timeIt('insert (evicts)', (from, to) => {
    for (let i = from; i < to; i++) table.pin('web', 'client', ks[i], backends[i & 3], now);
  });
}
timeIt('look-up + insert', decide(keysOf((i) => (i & 1 ? uniform() : fresh++))));
timeIt('look-up + insert, Zipf', decide(keysOf((i) => (i & 1 ? zipfRank() : fresh++))));
{
  const all = new Array(N); // the earlier method: every key from a random spot of one big array
  for (let i = 0; i < N; i++) all[i] = ip(i);
  const order = new Int32Array(RUN);
  const fresher = keysOf(() => fresh++);
  for (let i = 0; i < RUN; i++) order[i] = uniform();
  timeIt('look-up + insert, cold keys', (from, to) => {
    for (let i = from; i < to; i++) {
      const k = i & 1 ? all[order[i]] : fresher[i];
      if (table.lookup('web', 'client', k, now) === undefined) table.pin('web', 'client', k, backends[i & 3], now);
    }
  });
}
timeIt('sweep (per bucket)', (from, to) => {
  table.sweep(now + 301_000, to - from);
});
// the platform's floor on this machine: one Map<string, number>.get over the same N keys, filled
// like the table was (equal strings, not the same string objects as the look-up keys)
const base = new Map();
for (let i = 0; i < N; i++) base.set(ip(i), i);
const gets = (ks) => (from, to) => {
  for (let i = from; i < to; i++) if (base.get(ks[i]) !== undefined) sink++;
};
timeIt('baseline Map.get', gets(keysOf(uniform)));
timeIt('baseline Map.get, Zipf', gets(keysOf(zipfRank)));
const s = table.stats();
process.stdout.write(`after sweep             ${s.entries} entries, ${s.evictions.toLocaleString('en')} evictions, ${s.expirations.toLocaleString('en')} expirations (sink ${sink > 0})\n`);
table = undefined;

// keys that are not bare IPv4 addresses (connection labels 'ip:port#id', header values, masked
// addresses) are hashed and kept as strings: the same decision path over N connection labels
{
  const label = (i) => flat(`${ip(i)}:${1024 + (i % 60000)}#${i}`);
  const conns = new AffinityTable({ timeout: 300, maxEntries: N });
  for (let i = 0; i < N; i++) conns.pin('web', 'connection', label(i), backends[i & 3], now);
  const ks = new Array(RUN);
  for (let i = 0; i < RUN; i++) ks[i] = label(i & 1 ? uniform() : fresh++);
  gc();
  timeIt('look-up + insert, labels', (from, to) => {
    for (let i = from; i < to; i++) {
      const k = ks[i];
      if (conns.lookup('web', 'connection', k, now) === undefined) conns.pin('web', 'connection', k, backends[i & 3], now);
    }
  });
}

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
