// The terminal table and the --json document of a simulation.
import type { ClusterFacts, ResultRow, SimReport } from './simulate.js';

const f3 = (x: number): string => x.toFixed(3);
const f2 = (x: number): string => x.toFixed(2);

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

function table(head: string[], rows: string[][], right: boolean[]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(head), width.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function describeWorkload(report: SimReport): string {
  const w = report.workload;
  const what = w.kind === 'zipf'
    ? `Zipf α=${w.alpha} over ${Number(w.objects).toLocaleString('en')} objects (mean ${formatBytes(Number(w.meanSize))}, catalog ${formatBytes(Number(w.catalogBytes))}), seed ${w.seed}`
    : `access log ${w.log}: ${Number(w.objects).toLocaleString('en')} paths, ${w.clients} clients (mean ${formatBytes(Number(w.meanSize))}, catalog ${formatBytes(Number(w.catalogBytes))})`;
  return [
    `workload: ${what}`,
    `requests: ${Number(w.requests).toLocaleString('en')} (${Number(w.warmup).toLocaleString('en')} warm-up, ${Number(w.measured).toLocaleString('en')} measured); arrivals: ${w.arrivals}; LRU ${formatBytes(Number(w.cache))} per backend`,
  ].join('\n');
}

export function formatTable(report: SimReport): string {
  const out: string[] = [describeWorkload(report)];
  const clusters = report.workload.clusters as ClusterFacts[];
  for (const c of clusters) {
    const rows = report.results.filter((r) => r.backends === c.backends);
    out.push('');
    out.push(`N = ${c.backends} backends, ${c.window} outstanding, ${c.weight === c.capacityWeight ? `weight ${c.weight}` : `weight ${c.weight} (lblc, lblcr: ${c.capacityWeight})`}; ideal hit ratio (one LRU of ${c.backends}·C) ${f3(c.idealHitRatio)}`);
    out.push(table(
      ['scheduler', 'hit ratio', 'byte hit', 'req max/mean', 'work max/mean', 'req/s', 'speed-up', 'remap'],
      rows.map((r: ResultRow) => [
        r.scheduler, f3(r.hitRatio), f3(r.byteHitRatio), f3(r.requestImbalance), f3(r.workImbalance),
        r.throughput.toFixed(0), r.speedup === null ? '—' : f2(r.speedup), r.remapFraction === null ? '—' : f3(r.remapFraction),
      ]),
      [false, true, true, true, true, true, true, true],
    ));
    for (const r of rows) if (r.unserved > 0) out.push(`${r.scheduler}: ${r.unserved} requests refused (pick returned null)`);
  }
  out.push('');
  out.push('speed-up = throughput / wrr\'s at the same N; remap = share of keys that move when one backend is removed.');
  return out.join('\n');
}

/** The --json document: `{ workload, results }` (charts' detail left out). */
export function toJson(report: SimReport): { workload: Record<string, unknown>; results: ResultRow[] } {
  return { workload: report.workload, results: report.results };
}
