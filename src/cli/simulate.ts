// `switchyard simulate`: replay a Zipf workload (W1 by default, docs/simulator.md#reference-model) or a
// Common/Combined Log Format or JSON access log through registered schedulers on the LARD cluster model.
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { SwitchyardError } from '../errors.js';
import { getScheduler } from '../schedulers/registry.js';
import { describeMalformed, readClf } from '../sim/clf.js';
import { renderHtml } from '../sim/html.js';
import { formatTable, toJson } from '../sim/report.js';
import { simulate, totalWork, type SimReport } from '../sim/simulate.js';
import { parseSchedulerSpec } from '../sim/spec.js';
import type { Workload } from '../sim/workload.js';
import { W1, zipfWorkload } from '../sim/zipf.js';

export const DEFAULT_SCHEDULERS = 'wrr,lblc,lard,lard-r,chbl,mh';

export interface SimulateFlags {
  schedulers?: string;
  backends: string;
  alpha: string;
  objects: string;
  cache: string;
  requests?: string;
  warmup?: string;
  seed: string;
  sizeMu: string;
  sizeSigma: string;
  minSize: string;
  maxSize: string;
  clients: string;
  log?: string;
  rate?: string;
  speed: string;
  window?: string;
  weight?: string;
  remapKeys: string;
  json: boolean;
  html?: string;
  progress: boolean;
}

/** `64MiB`, `64M`, `12 MB`, `1.5GiB`, `65536` → bytes (K/M/G are binary, as cache sizes usually are). */
export function parseBytes(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(s);
  if (!m) throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `bad size ${JSON.stringify(s)}: expected e.g. 64MiB, 512K or a byte count`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

/** Run a parser of a flag's value; what it throws becomes SY_ERR_CLI_ARGUMENT naming the flag. */
function argument<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw e instanceof SwitchyardError ? e : new SwitchyardError('SY_ERR_CLI_ARGUMENT', (e as Error).message, flag);
  }
}

function num(name: string, s: string, o: { integer?: boolean; min?: number; max?: number } = {}): number {
  const v = Number(s.replace(/_/g, ''));
  if (s.trim() === '' || !Number.isFinite(v) || (o.integer && !Number.isInteger(v)) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
    const range = [o.integer ? 'an integer' : 'a number', o.min !== undefined ? `≥ ${o.min}` : '', o.max !== undefined ? `≤ ${o.max}` : ''].filter(Boolean).join(' ');
    throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `--${name} must be ${range}, got ${JSON.stringify(s)}`, `--${name}`);
  }
  return v;
}

function loadWorkload(f: SimulateFlags, log: (msg: string) => void): Workload {
  const requests = f.requests === undefined ? undefined : num('requests', f.requests, { integer: true, min: 1 });
  const rate = f.rate;
  const logFile = f.log;
  if (logFile) {
    if (rate !== undefined && rate !== 'log') throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `--rate with --log takes 'log' (replay at the logged times), got ${JSON.stringify(rate)}`);
    const speed = num('speed', f.speed, { min: 1e-9 });
    const r = argument('--log', () => readClf(logFile, {
      timing: rate === 'log', speed,
      defaultSize: Math.round(Math.exp(W1.sizeMu)), ...(requests !== undefined ? { limit: requests } : {}),
    }));
    const msg = describeMalformed(r, logFile);
    if (msg) log(msg);
    if (r.workload.stream.length === 0) throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `${logFile}: no valid log lines`);
    return r.workload;
  }
  if (rate === 'log') throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', '--rate log needs --log <access.log>');
  return zipfWorkload({
    alpha: num('alpha', f.alpha, { min: 0 }),
    objects: num('objects', f.objects, { integer: true, min: 1 }),
    requests: requests ?? W1.requests,
    seed: num('seed', f.seed, { integer: true }),
    sizeMu: num('size-mu', f.sizeMu),
    sizeSigma: num('size-sigma', f.sizeSigma, { min: 0 }),
    minSize: num('min-size', f.minSize, { min: 0 }),
    maxSize: num('max-size', f.maxSize, { min: 1 }),
    clients: num('clients', f.clients, { integer: true, min: 1 }),
    ...(rate !== undefined ? { rate: num('rate', rate, { min: 1e-9 }) } : {}),
  });
}

/** Parse flags, build the workload and run: the whole command minus printing. */
export function runSimulate(f: SimulateFlags, log: (msg: string) => void = (m) => process.stderr.write(`switchyard: ${m}\n`)): SimReport {
  let names = (f.schedulers ?? DEFAULT_SCHEDULERS).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (f.schedulers === undefined) {
    const missing = names.filter((n) => !getScheduler(n));
    if (missing.length > 0) log(`not registered yet, left out: ${missing.join(', ')}`);
    names = names.filter((n) => getScheduler(n));
  }
  if (names.length === 0) throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', '--schedulers: no scheduler to simulate');
  const schedulers = names.map((n) => argument('--schedulers', () => parseSchedulerSpec(n)));
  const backends = f.backends.split(',').map((s) => num('backends', s.trim(), { integer: true, min: 1, max: 1024 }));
  const cache = parseBytes(f.cache);
  const seed = num('seed', f.seed, { integer: true });
  const workload = loadWorkload(f, log);
  const R = workload.stream.length;
  const warmup = f.warmup === undefined ? Math.floor(R / 4) : num('warmup', f.warmup, { integer: true, min: 0 });
  if (warmup >= R) throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `--warmup (${warmup}) must be below the number of requests (${R})`);
  const config = {
    schedulers, backends, cache, warmup, seed,
    remapKeys: num('remap-keys', f.remapKeys, { integer: true, min: 0 }),
    ...(f.window !== undefined ? { window: num('window', f.window, { integer: true, min: 1 }) } : {}),
    ...(f.weight !== undefined ? { weight: num('weight', f.weight, { integer: true, min: 1, max: 65535 }) } : {}),
  };
  const total = totalWork(workload, config);
  const bar = f.progress && process.stderr.isTTY && total >= 500_000
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {value}/{total} requests | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let done = 0;
  bar?.start(total, 0);
  try {
    return simulate(workload, { ...config, ...(bar ? { onProgress: (d: number) => bar.update((done += d)) } : {}) });
  } finally {
    bar?.stop();
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('replay a Zipf workload (default: workload W1, docs/simulator.md) or an access log through schedulers on a modelled cluster of LRU caches; print hit ratio, balance, throughput and remapping')
    .option('--schedulers <list>', `comma-separated; parameters as name:key=value (e.g. chbl:balanceFactor=2) (default: ${DEFAULT_SCHEDULERS})`)
    .option('--backends <n>', 'backends N, or a list to sweep (e.g. 1,2,4,8,16)', '8')
    .option('--alpha <a>', 'Zipf exponent', String(W1.alpha))
    .option('--objects <k>', 'catalog size (objects /obj/1 … /obj/K)', String(W1.objects))
    .option('--cache <bytes>', 'LRU capacity per backend (e.g. 64MiB)', '64MiB')
    .option('--requests <n>', `requests in the stream (default ${W1.requests}; with --log: at most this many lines)`)
    .option('--warmup <n>', 'requests not measured at the start (default: a quarter of the requests)')
    .option('--seed <n>', 'seed of every random choice', String(W1.seed))
    .option('--size-mu <mu>', 'lognormal μ of object sizes (bytes)', String(W1.sizeMu))
    .option('--size-sigma <sigma>', 'lognormal σ of object sizes', String(W1.sizeSigma))
    .option('--min-size <bytes>', 'smallest object', String(W1.minSize))
    .option('--max-size <bytes>', 'largest object', String(W1.maxSize))
    .option('--clients <n>', 'distinct synthetic client addresses', String(W1.clients))
    .option('--log <file>', "replay an access log instead of Zipf: Common/Combined Log Format or Switchyard's JSON access log (one record a line)")
    .option('--rate <req/s|log>', 'open loop: Poisson arrivals at this rate, or "log" for the logged times (default: closed loop at saturation)')
    .option('--speed <x>', 'with --rate log: replay this many times faster than logged', '1')
    .option('--window <n>', 'requests kept outstanding (default (N−1)·65 + 25 − 1, LARD\'s S)')
    .option('--weight <n>', 'every backend\'s weight (default 1; lblc and lblcr ⌈window/N⌉, their connection capacity)')
    .option('--remap-keys <n>', 'keys placed when measuring remapping', '10000')
    .option('--json', 'print { workload, results } as JSON', false)
    .option('--html <file>', 'also write an HTML report with charts')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', '\nThe model, workload W1, the flags and measured results: docs/simulator.md in the Switchyard repository or package.')
    .action((f: SimulateFlags) => {
      const report = runSimulate(f);
      if (f.html) writeFileSync(f.html, renderHtml(report));
      process.stdout.write(f.json ? JSON.stringify(toJson(report), null, 2) + '\n' : formatTable(report) + '\n');
      if (f.html && !f.json) process.stdout.write(`wrote ${f.html}\n`);
    });
}
