#!/usr/bin/env node
// Side-by-side benchmark (issue 7): the same two cheap backends behind every contender, contenders
// interleaved over rounds, the proxy pinned to core 0 and wrk + backends to core 1.
// Usage: npm run bench [-- --quick] [-- --micro] [-- --no-affinity] [-- --tls] [-- --rounds N --seconds S --only a,b --out file.md --json raw.json --baseline other-build/]
// --tls: the TLS scenarios (issue 14) instead of the cleartext cells; see bench/README.md.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnPinned, waitHttp, pidTree, cpuUs, memory, have, stop, freePort } from './lib/proc.mjs';
import { nginxConf, haproxyConf } from './lib/peers.mjs';
import { wrk } from './lib/wrk.mjs';
import { report, tlsReport } from './lib/table.mjs';
import { makeCert, h2load } from './lib/tls.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
// `npm run bench --quick` (no `--`) reaches us as npm_config_quick=true
const flag = (n) => argv.includes(`--${n}`) || process.env[`npm_config_${n}`] === 'true';
const opt = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i === -1 ? d : argv[i + 1];
};
const quick = flag('quick');
const rounds = Number(opt('rounds', quick ? 1 : 3));
const seconds = Number(opt('seconds', quick ? 2 : 4));
const warm = 1;
const only = opt('only', '').split(',').filter(Boolean);
const PROXY_CORE = '0';
const LOAD_CORE = cpus().length > 1 ? '1' : '0';
const SIZES = ['1k', '64k'];
const CONNS = [50, 256];
const tlsMode = flag('tls');
const H2 = { clients: 1, streams: 100 }; // one h2 connection with 100 concurrent streams

// ---- micro-benchmarks written next to this file ----
const MICRO = ['match.mjs', 'schedulers.mjs', 'affinity.mjs'].filter((f) => existsSync(join(here, f)));
if (flag('micro')) {
  for (const f of MICRO) {
    process.stdout.write(`\n## micro: bench/${f}\n\n`);
    execFileSync('taskset', ['-c', PROXY_CORE, process.execPath, '--expose-gc', join(here, f)], { stdio: 'inherit' });
  }
  if (!flag('proxy')) process.exit(0);
} else if (MICRO.length) {
  // the affinity table's figures (memory per 1M entries, ns per look-up and insert) are part of
  // every run: about 30 s on the proxy's core
  if (MICRO.includes('affinity.mjs') && !flag('no-affinity')) {
    process.stdout.write(`## affinity table: bench/affinity.mjs\n\n`);
    execFileSync('taskset', ['-c', PROXY_CORE, process.execPath, '--expose-gc', join(here, 'affinity.mjs')], { stdio: 'inherit' });
    process.stdout.write('\n');
  }
  process.stdout.write(`micro-benchmarks present (run with --micro): ${MICRO.map((f) => `node bench/${f}`).join(', ')}\n`);
}

if (!have('wrk')) {
  process.stderr.write('wrk is missing: apt-get install -y nginx haproxy wrk (see bench/README.md)\n');
  process.exit(1);
}
// keep this runner off the proxy's core
try {
  execFileSync('taskset', ['-pc', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
} catch {
  /* taskset missing: measured figures will be noisier */
}

const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'));
const usedPorts = new Set();
async function newPort() {
  for (;;) {
    const p = await freePort();
    if (!usedPorts.has(p)) return usedPorts.add(p), p;
  }
}
const backendPorts = [await newPort(), await newPort()];
const urls = backendPorts.map((p) => `http://127.0.0.1:${p}`);
const children = [];
const cleanup = async () => {
  await Promise.all(children.map(stop));
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

const clusterReady = existsSync(join(here, '../dist')) && (() => {
  try {
    return execFileSync('grep', ['-rl', 'node:cluster', join(here, '../dist')]).length > 0;
  } catch {
    return false;
  }
})();

// TLS mode: one certificate for every contender; h2 only when this Switchyard build has listen.http2
const tls = tlsMode ? makeCert(dir) : undefined;
const h2Skip = !tlsMode ? 'not in this mode' : !have('h2load') ? '`h2load` not found (apt-get install -y nghttp2-client)'
  : !(await switchyardHttp2()) ? 'this Switchyard build has no `listen.http2`' : undefined;
const tlsArgs = (tlsPort) => (tls ? ['--tls', String(tlsPort), tls.cert, tls.key, ...(h2Skip ? [] : ['--http2'])] : []);
const node = (file, extra = []) => (port, tlsPort) => [process.execPath, [join(here, 'contenders', file), String(port), ...extra, ...(file === 'switchyard.mjs' ? tlsArgs(tlsPort) : []), ...urls]];
const CONTENDERS = [
  { name: 'direct', direct: true },
  { name: 'switchyard', cmd: node('switchyard.mjs', ['--engine', 'fast']), tls: true, note: 'listen.engine fast (raw sockets)' },
  { name: 'switchyard-node', cmd: node('switchyard.mjs', ['--engine', 'node']), note: 'listen.engine node (node:http + undici)' },
  { name: 'nginx', bin: 'nginx', tls: true, cmd: (port, tlsPort) => ['nginx', ['-p', dir, '-c', nginxConf(join(dir, 'nginx'), port, backendPorts, tls && { port: tlsPort, ...tls })]] },
  { name: 'haproxy', bin: 'haproxy', cmd: (port) => ['haproxy', ['-db', '-f', haproxyConf(dir, port, backendPorts)]] },
  { name: 'undici-sketch', cmd: node('sketch.mjs') },
  { name: 'http-proxy', cmd: node('http-proxy.mjs') },
  { name: 'fastify-proxy', cmd: node('fastify.mjs') },
  // --baseline <dir>: the same switchyard contender on another build (before/after in the same rounds)
  ...(opt('baseline', undefined) ? [{ name: 'switchyard-before', cmd: node('switchyard.mjs'), env: { SWITCHYARD_DIST: opt('baseline', '') } }] : []),
  ...(clusterReady ? [{ name: 'switchyard-2w', cmd: node('switchyard.mjs', ['--workers', '2']), cores: '0,1', note: 'two workers on both cores (shares core 1 with wrk and the backends)' }] : []),
].filter((c) => (only.length === 0 || c.direct || only.includes(c.name)) && (!tlsMode || c.direct || c.tls));

/** Does the Switchyard build accept `listen.http2` (issue 14's HTTP/2 downstream)? */
async function switchyardHttp2() {
  const dist = process.env.SWITCHYARD_DIST ? `file://${process.env.SWITCHYARD_DIST.replace(/\/?$/, '/')}` : new URL('../dist/', import.meta.url).href;
  try {
    const { validate } = await import(new URL('config/validate.js', dist).href);
    const { problems } = validate({ listen: { port: 1, http2: true, tls: { cert: 'a.crt', key: 'a.key' } }, pools: { p: { backends: urls } }, routes: [{ name: 'r', match: {}, pool: 'p' }] });
    return !problems.some((p) => p.path.startsWith('listen.http2'));
  } catch {
    return false;
  }
}

// The TLS scenarios: cleartext keep-alive for reference, then HTTPS with a new TLS connection per
// request (wrk -H 'Connection: close'), HTTPS keep-alive, and h2 (h2load) when available.
const SCENARIOS = [
  { proto: 'http', label: 'HTTP/1.1 keep-alive (reference)' },
  { proto: 'https-close', label: 'HTTPS, new TLS connection per request' },
  { proto: 'https', label: 'HTTPS keep-alive' },
  ...(h2Skip ? [] : [{ proto: 'h2', label: `h2, ${H2.clients} connection × ${H2.streams} streams` }]),
];

async function main() {
  if (!existsSync(join(here, '../dist/router.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does it)');
  for (const p of backendPorts) {
    const b = spawnPinned(LOAD_CORE, process.execPath, [join(here, 'backend.mjs'), String(p)]);
    children.push(b);
    await waitHttp(`http://127.0.0.1:${p}/1k`);
  }
  const live = [];
  for (const c of CONTENDERS) {
    if (c.direct) {
      live.push({ ...c, port: backendPorts[0], pids: () => [] });
      continue;
    }
    if (c.bin && !have(c.bin)) {
      process.stdout.write(`skipping ${c.name}: \`${c.bin}\` not found (apt-get install -y nginx haproxy wrk)\n`);
      continue;
    }
    const p = await newPort();
    const tlsPort = tls ? await newPort() : undefined;
    const [cmd, args] = c.cmd(p, tlsPort);
    if (c.name === 'nginx') execFileSync('mkdir', ['-p', join(dir, 'nginx')]);
    const child = spawnPinned(c.cores ?? PROXY_CORE, cmd, args, c.env ? { env: { ...process.env, ...c.env } } : {});
    children.push(child);
    try {
      await waitHttp(`http://127.0.0.1:${p}/1k`);
      if (tls) await waitHttp(`https://127.0.0.1:${tlsPort}/1k`);
    } catch (e) {
      process.stdout.write(`skipping ${c.name}: did not start (${e.message})\n${child.log.join('')}\n`);
      await stop(child);
      continue;
    }
    // taskset runs the command in place (exec), so child.pid is the proxy itself
    live.push({ ...c, port: p, tlsPort, pids: () => pidTree(child.pid) });
  }
  if (tlsMode) return runTls(live);
  process.stdout.write(`contenders: ${live.map((c) => c.name).join(', ')}; ${rounds} round(s) of ${seconds}s (+${warm}s warm-up) per cell; proxy on core ${PROXY_CORE}, wrk + backends on core ${LOAD_CORE}\n`);

  const results = []; // { round, name, size, conns, rps, p50, p99, cpuUsPerReq, hwm, rss }
  let rot = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const size of SIZES) {
      for (const conns of CONNS) {
        const order = live.map((_, i) => live[(i + rot) % live.length]);
        rot++;
        for (const c of order) {
          const url = `http://127.0.0.1:${c.port}/${size}`;
          await wrk(url, { connections: conns, seconds: warm, core: LOAD_CORE });
          const pids = c.pids();
          const cpu0 = cpuUs(pids);
          const r = await wrk(url, { connections: conns, seconds, core: LOAD_CORE });
          const cpu1 = cpuUs(c.pids());
          const mem = memory(c.pids());
          const row = { round, name: c.name, size, conns, rps: r.rps, p50: r.p50, p99: r.p99, cpuUsPerReq: pids.length ? (cpu1 - cpu0) / r.requests : NaN, hwm: mem.hwm, rss: mem.rss, errors: r.errors, socketErrors: r.socketErrors };
          results.push(row);
          process.stdout.write(`  r${round} ${size.padEnd(3)} c${String(conns).padEnd(3)} ${c.name.padEnd(14)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)}ms  p99 ${r.p99.toFixed(2)}ms${pids.length ? `  ${row.cpuUsPerReq.toFixed(1)} µs/req  rss ${(mem.rss / 2 ** 20).toFixed(0)} MB` : ''}${r.errors ? `  ${r.errors} non-2xx` : ''}${r.socketErrors ? `  socket errors: ${r.socketErrors}` : ''}\n`);
        }
      }
    }
  }
  const md = report(results, {
    date: new Date().toISOString(), cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, rounds, seconds,
    notes: live.filter((c) => c.note).map((c) => `${c.name}: ${c.note}`),
  });
  process.stdout.write('\n' + md);
  const out = opt('out', undefined);
  if (out) writeFileSync(out, md);
  const json = opt('json', undefined);
  if (json) writeFileSync(json, JSON.stringify(results, null, 1));
}

/** One measured run of a contender in a TLS-mode scenario (wrk, or h2load for h2). */
function load(c, proto, seconds) {
  const o = { connections: 50, seconds, core: LOAD_CORE };
  if (proto === 'http') return wrk(`http://127.0.0.1:${c.port}/1k`, o);
  if (proto === 'h2') return h2load(`https://127.0.0.1:${c.tlsPort}/1k`, { ...H2, seconds, core: LOAD_CORE });
  return wrk(`https://127.0.0.1:${c.tlsPort}/1k`, { ...o, close: proto === 'https-close' });
}

async function runTls(live) {
  const tlsNote = `TLS: one self-signed ECDSA P-256 certificate made with openssl at start, the same files for every contender; 1 KiB bodies, 50 connections (h2: ${H2.clients} × ${H2.streams} streams)`;
  process.stdout.write(`TLS scenarios: ${SCENARIOS.map((s) => s.proto).join(', ')}${h2Skip ? `; h2 skipped: ${h2Skip}` : ''}\ncontenders: ${live.map((c) => c.name).join(', ')}; ${rounds} round(s) of ${seconds}s (+${warm}s warm-up) per cell\n`);
  const results = [];
  let rot = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const s of SCENARIOS) {
      const cast = live.filter((c) => !c.direct || s.proto === 'http');
      const order = cast.map((_, i) => cast[(i + rot) % cast.length]);
      rot++;
      for (const c of order) {
        await load(c, s.proto, warm);
        const pids = c.pids();
        const cpu0 = cpuUs(pids);
        const r = await load(c, s.proto, seconds);
        const cpu1 = cpuUs(c.pids());
        const mem = memory(c.pids());
        const row = { round, name: c.name, proto: s.proto, size: '1k', conns: 50, rps: r.rps, p50: r.p50, p99: r.p99, cpuUsPerReq: pids.length ? (cpu1 - cpu0) / r.requests : NaN, hwm: mem.hwm, rss: mem.rss, errors: r.errors, socketErrors: r.socketErrors, alpn: r.proto };
        results.push(row);
        process.stdout.write(`  r${round} ${s.proto.padEnd(11)} ${c.name.padEnd(11)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)}ms  p99 ${r.p99.toFixed(2)}ms${pids.length ? `  ${row.cpuUsPerReq.toFixed(1)} µs/req` : ''}${r.proto ? `  alpn ${r.proto}` : ''}${r.errors ? `  ${r.errors} non-2xx` : ''}${r.socketErrors ? `  socket errors: ${r.socketErrors}` : ''}\n`);
      }
    }
  }
  const md = tlsReport(results, SCENARIOS, {
    date: new Date().toISOString(), cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, rounds, seconds,
    notes: [tlsNote, ...(h2Skip ? [`h2 row skipped: ${h2Skip}`] : ['h2 (h2load): p50 is the mean time per request and p99 the maximum (h2load prints no percentiles)'])],
  });
  process.stdout.write('\n' + md);
  const out = opt('out', undefined);
  if (out) writeFileSync(out, md);
  const json = opt('json', undefined);
  if (json) writeFileSync(json, JSON.stringify(results, null, 1));
}

main().then(cleanup, async (e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  await cleanup();
  process.exit(1);
});
