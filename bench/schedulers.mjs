// Scheduler pick cost: ns per pick at 8 and 64 backends for every registered scheduler, plus the
// cost of a table/ring rebuild after a weight change (Maglev's is the expensive one).
// Build first:  npx tsc -p .   then:  node --expose-gc bench/schedulers.mjs [--picks 1000000]
import { cpus, loadavg } from 'node:os';
import { allSchedulers } from '../dist/schedulers/registry.js';
import { seededRng } from '../dist/schedulers/rng.js';
import { mh } from '../dist/schedulers/mh.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const PICKS = arg('--picks', 1_000_000);
/** Each cell is timed this many times and the fastest run is reported (other processes add noise). */
const REPS = arg('--reps', 3);
const best = (fn) => Math.min(...Array.from({ length: REPS }, fn));
/**
 * Nanoseconds of CPU time (user + system) spent in fn: on a shared machine wall-clock time also
 * counts the time other processes held the CPU; CPU time does not.
 */
function cpuNs(fn) {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}
const SIZES = [8, 64];
const KEYS = 10_000;

const rnd = seededRng(42);
// Zipf-ish key popularity over KEYS paths, clients over 256 addresses: pre-built contexts
const ctxs = Array.from({ length: 4096 }, (_, i) => ({
  key: `/obj/${Math.floor(KEYS * rnd() ** 3)}`,
  clientIp: `10.1.${i & 15}.${(i * 7) & 255}`,
  clientPort: 1024 + i,
  now: 0,
}));

function backends(n) {
  return Array.from({ length: n }, (_, i) => {
    const weight = 1 + (i % 3);
    return { id: `10.0.${i >> 8}.${i & 255}:8080`, weight, lastWeight: weight, state: 'active', active: 0, inactive: 0, overloaded: false };
  });
}

function setup(def, n) {
  const problems = [];
  const params = def.parse({}, 'bench', problems);
  if (problems.length) throw new Error(JSON.stringify(problems));
  const s = def.create(params, seededRng(1));
  const bs = backends(n);
  const st = s.init(bs, 0);
  return { s, bs, st };
}

/** Fixed random loads, pick only. */
function pickOnly(def, n) {
  const { s, bs, st } = setup(def, n);
  const r = seededRng(7);
  for (const b of bs) b.active = Math.floor(r() * 20);
  let sink = 0;
  const run = (count, t) => {
    for (let i = 0; i < count; i++) {
      const c = ctxs[i & 4095];
      c.now = t + i;
      if (s.pick(c, bs, st) !== null) sink++;
    }
  };
  run(200_000, 0);
  const ns = best(() => {
    return cpuNs(() => run(PICKS, 1e6)) / PICKS;
  });
  if (sink === 0) throw new Error(`${def.name}: no picks`);
  return ns;
}

/** Bytes allocated per pick at n backends: a short run between two forced GCs (needs --expose-gc). */
function allocPerPick(def, n) {
  if (!globalThis.gc) return undefined;
  const { s, bs, st } = setup(def, n);
  for (let i = 0; i < 20_000; i++) s.pick(ctxs[i & 4095], bs, st); // warm: tables, maps, JIT
  const k = 20_000;
  globalThis.gc();
  const m0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < k; i++) s.pick(ctxs[i & 4095], bs, st);
  const m1 = process.memoryUsage().heapUsed;
  return Math.max(0, (m1 - m0) / k);
}

/** Closed loop: pick, dispatch (onStart) and complete the oldest of 2·n outstanding (onEnd). */
function closedLoop(def, n) {
  const { s, bs, st } = setup(def, n);
  const ring = new Array(2 * n).fill(null);
  const count = Math.floor(PICKS / 2);
  const run = (k, t) => {
    for (let i = 0; i < k; i++) {
      const slot = i % ring.length;
      const old = ring[slot];
      if (old !== null) {
        old.active--;
        s.onEnd?.(st, old, 20, true, t + i);
      }
      const c = ctxs[i & 4095];
      c.now = t + i;
      const b = s.pick(c, bs, st);
      ring[slot] = b;
      if (b !== null) {
        b.active++;
        s.onStart?.(st, b, t + i);
      }
    }
  };
  run(100_000, 0);
  return best(() => {
    return cpuNs(() => run(count, 1e6)) / count;
  });
}

/** onBackendsChanged after a (last)weight change, µs per rebuild. */
function rebuild(def, n) {
  const { s, bs } = setup(def, n);
  let st = s.init(bs, 0);
  if (!s.onBackendsChanged) return undefined;
  const reps = 20;
  let i = 0;
  return best(() => {
    const ns = cpuNs(() => {
      for (let k = 0; k < reps; k++, i++) {
        const b = bs[i % n];
        b.weight = b.lastWeight = b.weight === 5 ? 1 : 5;
        st = s.onBackendsChanged(st, bs, i);
      }
    });
    return ns / reps / 1000;
  });
}

/** Calibration: a hand-inlined wlc scan over 64 plain objects (what any O(N) rule costs here). */
function baseline() {
  const bs = backends(64);
  bs.forEach((b, i) => (b.active = i % 20));
  let sink = 0;
  const run = (k) => {
    for (let r = 0; r < k; r++) {
      let bst = null;
      let bo = 0;
      for (let i = 0; i < bs.length; i++) {
        const d = bs[i];
        if (d.state !== 'active' || d.weight <= 0 || d.overloaded) continue;
        const o = 256 * d.active + d.inactive;
        if (bst === null || bo * d.weight > o * bst.weight) {
          bst = d;
          bo = o;
        }
      }
      if (bst !== null) sink++;
    }
  };
  run(200_000);
  const ns = best(() => {
    return cpuNs(() => run(PICKS)) / PICKS;
  });
  return sink > 0 ? ns : NaN;
}

const f = (x, d = 0) => (x === undefined ? '—' : x.toFixed(d));
const rows = [];
for (const def of allSchedulers()) {
  const r = { name: def.name };
  for (const n of SIZES) {
    r[`pick${n}`] = pickOnly(def, n);
    r[`loop${n}`] = closedLoop(def, n);
    r[`rb${n}`] = rebuild(def, n);
  }
  r.alloc64 = allocPerPick(def, 64);
  rows.push(r);
}

const base = baseline();
const load = loadavg()[0].toFixed(2);
console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${load} at start`);
console.log(`CPU time (user + system) per operation; ${PICKS} picks per cell, fastest of ${REPS}; ${KEYS} keys (skewed); weights 1/2/3 cycling; defaults for every parameter`);
console.log(`calibration: an inlined 64-backend wlc scan costs ${base.toFixed(0)} ns here\n`);
console.log('| scheduler | ns/pick, 8 backends | ns/pick, 64 backends | ns/(pick+start+end), 8 | ns/(pick+start+end), 64 | rebuild µs, 8 | rebuild µs, 64 | bytes allocated/pick, 64 |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| \`${r.name}\` | ${f(r.pick8)} | ${f(r.pick64)} | ${f(r.loop8)} | ${f(r.loop64)} | ${f(r.rb8, 1)} | ${f(r.rb64, 1)} | ${r.alloc64 === undefined ? 'run with --expose-gc' : f(r.alloc64)} |`);
}
const slow = rows.filter((r) => r.pick64 >= 1000);
console.log(slow.length ? `\nOVER 1 µs at 64 backends: ${slow.map((r) => r.name).join(', ')}` : '\nevery pick < 1 µs on average at 64 backends');

// Maglev: a full table build (M = 65537) against a drain, which must not rebuild anything.
console.log('\n| mh, M = 65537 | 8 backends | 64 backends | 256 backends |');
console.log('| --- | ---: | ---: | ---: |');
const mhRow = { build: [], drain: [] };
for (const n of [8, 64, 256]) {
  const s = mh.create(mh.parse({}, 'bench', []), seededRng(1));
  const bs = backends(n);
  let st = s.init(bs, 0);
  let i = 0;
  mhRow.build.push(best(() => {
    const ns = cpuNs(() => {
      for (let k = 0; k < 10; k++, i++) {
        const b = bs[i % n];
        b.weight = b.lastWeight = b.lastWeight === 5 ? 1 : 5;
        st = s.onBackendsChanged(st, bs, i);
      }
    });
    return ns / 10 / 1e6;
  }));
  const builds = st.builds;
  mhRow.drain.push(best(() => {
    const ns = cpuNs(() => {
      for (let k = 0; k < 100; k++) {
        const b = bs[k % n];
        const w = b.weight;
        b.state = 'drain';
        b.weight = 0;
        st = s.onBackendsChanged(st, bs, k);
        b.state = 'active';
        b.weight = w;
        st = s.onBackendsChanged(st, bs, k);
      }
    });
    return ns / 200 / 1000;
  }));
  if (st.builds !== builds) throw new Error('a drain rebuilt the Maglev table');
}
console.log(`| rebuild after a weight change, ms | ${mhRow.build.map((x) => x.toFixed(2)).join(' | ')} |`);
console.log(`| drain / undrain (no rebuild), µs | ${mhRow.drain.map((x) => x.toFixed(1)).join(' | ')} |`);
