// The simulator end to end on a small W1-like workload (W1-ci's catalog and cache, fewer requests).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSimulate, parseBytes, type SimulateFlags } from '../../src/cli/simulate.js';
import { renderHtml } from '../../src/sim/html.js';
import { formatTable, toJson } from '../../src/sim/report.js';
import { remapFraction } from '../../src/sim/remap.js';
import { simulate, type ResultRow, type SimReport } from '../../src/sim/simulate.js';
import { parseSchedulerSpec } from '../../src/sim/spec.js';
import { W1, zipfWorkload } from '../../src/sim/zipf.js';

const MiB = 1024 * 1024;
const small = { ...W1, objects: 20_000, requests: 60_000 };
const config = (names: string[], backends: number[]) => ({
  schedulers: names.map(parseSchedulerSpec), backends, cache: 12 * MiB, warmup: 15_000, seed: 1, remapKeys: 2000,
});
const row = (r: SimReport, name: string, n = 8): ResultRow => r.results.find((x) => x.scheduler === name && x.backends === n)!;

describe('simulate: small W1 run (K = 20 000, C = 12 MiB, N = 8)', () => {
  let report: SimReport;
  beforeAll(() => {
    report = simulate(zipfWorkload(small), config(['wrr', 'lard', 'lard-r', 'lblc', 'mh', 'chbl'], [8]));
  });

  it('locality-aware schedulers beat wrr\'s hit ratio by the margins of schedulers.md §20.5', () => {
    const wrr = row(report, 'wrr').hitRatio;
    const ideal = (report.workload.clusters as { idealHitRatio: number }[])[0]!.idealHitRatio;
    expect(wrr).toBeGreaterThan(0.33);
    expect(wrr).toBeLessThan(0.42);
    for (const name of ['lard', 'lard-r', 'lblc', 'mh']) {
      expect(row(report, name).hitRatio - wrr).toBeGreaterThanOrEqual(0.25);
      expect(row(report, name).hitRatio).toBeGreaterThanOrEqual(0.97 * ideal);
    }
    expect(Math.abs(row(report, 'mh').hitRatio - row(report, 'lard').hitRatio)).toBeLessThanOrEqual(0.01);
    expect(row(report, 'chbl').hitRatio - wrr).toBeGreaterThanOrEqual(0.2);
  });

  it('turns locality into throughput, and wrr balances requests exactly', () => {
    expect(row(report, 'wrr').speedup).toBeCloseTo(1, 10);
    expect(row(report, 'wrr').requestImbalance).toBeLessThan(1.001);
    expect(row(report, 'lard').speedup!).toBeGreaterThanOrEqual(1.6);
    expect(row(report, 'mh').speedup!).toBeGreaterThanOrEqual(1.5);
    expect(row(report, 'chbl').speedup!).toBeGreaterThanOrEqual(1.4);
    expect(row(report, 'chbl').requestImbalance).toBeLessThanOrEqual(1.3);
    for (const r of report.results) expect(r.unserved).toBe(0);
  });

  it('measures remapping: consistent schemes move about 1/N of the keys, wrr most of them', () => {
    for (const name of ['mh', 'chbl', 'lard']) {
      expect(row(report, name).remapFraction!).toBeGreaterThanOrEqual(0.1);
      expect(row(report, name).remapFraction!).toBeLessThanOrEqual(1 / 8 + 0.01);
    }
    expect(row(report, 'wrr').remapFraction!).toBeGreaterThan(0.5);
    expect(remapFraction(parseSchedulerSpec('mh'), 1, 1, ['/a'], 1, 24)).toBeUndefined();
  });

  it('reproduces the same figures from the same seed', () => {
    const again = simulate(zipfWorkload(small), config(['wrr', 'lard', 'mh', 'chbl'], [8]));
    for (const r of again.results) expect(r).toEqual(row(report, r.scheduler));
  });

  it('prints a table and an HTML page with inline SVG charts and no network references', () => {
    const t = formatTable(report);
    expect(t).toMatch(/N = 8 backends, 479 outstanding/);
    for (const name of ['wrr', 'lard', 'mh', 'chbl']) expect(t).toMatch(new RegExp(`^${name}\\s+0\\.\\d{3}`, 'm'));
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('simulate: model checks', () => {
  it('at N = 1 every scheduler gives the same result as wrr', () => {
    const r = simulate(zipfWorkload({ ...small, requests: 20_000 }), { ...config(['wrr', 'lard', 'mh', 'chbl'], [1]), warmup: 5000 });
    const base = row(r, 'wrr', 1);
    for (const x of r.results) {
      expect(x.hitRatio).toBe(base.hitRatio);
      expect(x.throughput).toBeCloseTo(base.throughput, 6);
      expect(x.remapFraction).toBeNull();
    }
  });

  it('open loop: under light Poisson load throughput follows the offered rate', () => {
    const w = zipfWorkload({ ...small, requests: 20_000, rate: 100 });
    const r = simulate(w, { ...config(['wrr', 'lard'], [4]), warmup: 5000 });
    for (const x of r.results) {
      expect(x.throughput).toBeGreaterThan(90);
      expect(x.throughput).toBeLessThan(110);
    }
    expect(row(r, 'lard', 4).meanResponseMs).toBeLessThan(row(r, 'wrr', 4).meanResponseMs);
  });

  it('scheduler parameters: name:key=value, validated by the scheduler', () => {
    expect(parseSchedulerSpec('chbl:balanceFactor=2').label).toBe('chbl:balanceFactor=2');
    expect(() => parseSchedulerSpec('nope')).toThrow(/unknown scheduler "nope"; registered: rr, wrr/);
    expect(() => parseSchedulerSpec('chbl:colour=red')).toThrow(/chbl has no parameter colour/);
    expect(() => parseSchedulerSpec('chbl:balanceFactor=0.5')).toThrow(/balanceFactor/);
    expect(() => parseSchedulerSpec('chbl:balanceFactor')).toThrow(/expected key=value/);
  });

  it('parses sizes', () => {
    expect(parseBytes('64MiB')).toBe(64 * MiB);
    expect(parseBytes('12M')).toBe(12 * MiB);
    expect(parseBytes('512k')).toBe(512 * 1024);
    expect(parseBytes('1000')).toBe(1000);
    expect(() => parseBytes('lots')).toThrow(/bad size/);
  });
});

const flags = (o: Partial<SimulateFlags>): SimulateFlags => ({
  backends: '4', alpha: '0.9', objects: '5000', cache: '4MiB', seed: '1', sizeMu: String(W1.sizeMu), sizeSigma: String(W1.sizeSigma),
  minSize: '64', maxSize: String(W1.maxSize), clients: '100', speed: '1', remapKeys: '500', json: true, progress: false, requests: '10000', ...o,
});

describe('simulate: command', () => {
  it('replays an access log, reporting skipped lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'access.log');
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const p = `/img/${(i * i) % 97}.png`;
      lines.push(`10.0.0.${i % 7} - - [01/Jan/2024:00:${String(Math.floor(i / 600)).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')} +0000] "GET ${p} HTTP/1.1" 200 ${20_000 + ((i * 31) % 97) * 100} "-" "test"`);
      if (i % 1000 === 0) lines.push('### not a log line');
    }
    writeFileSync(file, lines.join('\n'));
    const msgs: string[] = [];
    const r = runSimulate(flags({ log: file, schedulers: 'wrr,mh', cache: '600KiB', requests: undefined }), (m) => msgs.push(m));
    expect(msgs).toEqual([`${file}: skipped 4 malformed lines of 4004 (line 2: not Common/Combined Log Format; line 1003: not Common/Combined Log Format; line 2004: not Common/Combined Log Format; line 3005: not Common/Combined Log Format)`]);
    expect(r.workload).toMatchObject({ kind: 'log', requests: 4000, objects: 49, clients: 7, warmup: 1000 });
    expect(row(r, 'mh', 4).hitRatio).toBeGreaterThan(row(r, 'wrr', 4).hitRatio + 0.2);
    const timed = runSimulate(flags({ log: file, schedulers: 'wrr', rate: 'log', speed: '10', requests: undefined }), () => undefined);
    expect(timed.workload.arrivals).toBe('logged times ÷ 10');
    expect(() => runSimulate(flags({ rate: 'log' }))).toThrow(/--rate log needs --log/);
  });

  it('rejects bad flags with the flag\'s name', () => {
    expect(() => runSimulate(flags({ backends: 'two' }))).toThrow(/--backends must be an integer ≥ 1/);
    expect(() => runSimulate(flags({ warmup: '10000' }))).toThrow(/--warmup \(10000\) must be below/);
    expect(() => runSimulate(flags({ schedulers: 'wrr,bogus' }))).toThrow(/unknown scheduler "bogus"/);
  });

  it('--json prints { workload, results } with the documented fields, and --html writes the report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const html = join(dir, 'report.html');
    const out = execFileSync(process.execPath, [
      '--import', 'tsx', 'src/cli/main.ts', 'simulate', '--schedulers', 'wrr,chbl,mh', '--backends', '4', '--objects', '5000',
      '--cache', '4MiB', '--requests', '20000', '--remap-keys', '500', '--json', '--html', html,
    ], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
    const doc = JSON.parse(out) as ReturnType<typeof toJson>;
    expect(Object.keys(doc)).toEqual(['workload', 'results']);
    expect(doc.workload).toMatchObject({ kind: 'zipf', alpha: 0.9, objects: 5000, requests: 20000, warmup: 5000, seed: 1, cache: 4 * MiB });
    expect(doc.results.map((r) => r.scheduler)).toEqual(['wrr', 'chbl', 'mh']);
    for (const r of doc.results) {
      for (const k of ['scheduler', 'hitRatio', 'requestImbalance', 'workImbalance', 'throughput', 'speedup', 'remapFraction']) expect(r).toHaveProperty(k);
      expect(typeof r.hitRatio).toBe('number');
      expect(typeof r.throughput).toBe('number');
    }
    expect(readFileSync(html, 'utf8')).toMatch(/<svg /);
  });
});
