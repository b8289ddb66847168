// `--html report.html`: one self-contained page (inline SVG and CSS, no scripts, no network).
import { formatTable, describeWorkload } from './report.js';
import type { ClusterFacts, SimReport } from './simulate.js';
import { barChart, esc, lineChart, PALETTE, type Series } from './svg.js';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const x2 = (v: number): string => `${v.toFixed(2)}×`;

function section(title: string, note: string, svg: string): string {
  return `<section><h2>${esc(title)}</h2><p>${esc(note)}</p>${svg}</section>`;
}

export function renderHtml(report: SimReport): string {
  const clusters = report.workload.clusters as ClusterFacts[];
  const names = [...new Set(report.results.map((r) => r.scheduler))];
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!;
  const big = clusters[clusters.length - 1]!;
  const at = (n: number) => report.results.filter((r) => r.backends === n);
  const rows = at(big.backends);
  const parts: string[] = [];

  if (clusters.length > 1) {
    const xs = clusters.map((c) => c.backends);
    const series: Series[] = names.map((name) => ({
      name, color: color(name),
      values: xs.map((n) => report.results.find((r) => r.scheduler === name && r.backends === n)?.hitRatio ?? 0),
    }));
    series.push({ name: 'ideal (one LRU of N·C)', color: '#222', values: clusters.map((c) => c.idealHitRatio) });
    parts.push(section('Hit ratio by cluster size', 'Load-only schedulers stay at the single-node hit ratio; locality-aware ones approach one cache of N·C bytes.',
      lineChart({ xs, series, xLabel: 'backends (N)', yLabel: 'hit ratio', fmt: pct, yMax: 1, logX: true })));
    parts.push(section('Throughput by cluster size', 'Modelled requests per second (closed loop, LARD cost model).',
      lineChart({
        xs, xLabel: 'backends (N)', yLabel: 'req/s', fmt: (v) => v.toFixed(0), logX: true,
        series: names.map((name) => ({ name, color: color(name), values: xs.map((n) => report.results.find((r) => r.scheduler === name && r.backends === n)?.throughput ?? 0) })),
      })));
  }

  const cats = rows.map((r) => r.scheduler);
  parts.push(section(`Hit ratio, N = ${big.backends}`, 'Aggregate cache hit ratio after warm-up; the dashed line is the ideal partition.',
    barChart({
      categories: cats, yLabel: 'hit ratio', fmt: pct, yMax: 1,
      series: [{ name: 'hit ratio', color: PALETTE[0]!, values: rows.map((r) => r.hitRatio) }, { name: 'byte hit ratio', color: PALETTE[4]!, values: rows.map((r) => r.byteHitRatio) }],
      refs: [{ value: big.idealHitRatio, label: `ideal ${pct(big.idealHitRatio)}` }],
    })));
  parts.push(section(`Throughput and speed-up, N = ${big.backends}`, 'Speed-up is throughput over wrr\'s on the same workload and cluster.',
    barChart({
      categories: cats, yLabel: 'speed-up over wrr', fmt: x2,
      series: [{ name: 'speed-up', color: PALETTE[2]!, values: rows.map((r) => r.speedup ?? 0) }],
      refs: [{ value: 1, label: 'wrr' }],
    })));
  parts.push(section(`Load balance, N = ${big.backends}`, 'Max / mean over backends of requests served and of service demand (CPU + disk time); 1.00 is perfect.',
    barChart({
      categories: cats, yLabel: 'max / mean', fmt: (v) => v.toFixed(2),
      series: [{ name: 'requests', color: PALETTE[1]!, values: rows.map((r) => r.requestImbalance) }, { name: 'work', color: PALETTE[3]!, values: rows.map((r) => r.workImbalance) }],
      refs: [{ value: 1, label: '' }],
    })));
  if (big.backends > 1) {
    parts.push(section(`Keys moved when one of ${big.backends} backends is removed`, 'Consistent schemes move only the removed backend\'s share (dashed line, 1/N).',
      barChart({
        categories: cats, yLabel: 'share of keys', fmt: pct, yMax: 1,
        series: [{ name: 'remap', color: PALETTE[6]!, values: rows.map((r) => r.remapFraction ?? 0) }],
        refs: [{ value: 1 / big.backends, label: `1/N = ${pct(1 / big.backends)}` }],
      })));
  }
  const details = report.detail.filter((d) => d.backends === big.backends);
  if (details.length > 0) {
    const n = details[0]!.hitSeries.length;
    const total = Number(report.workload.requests);
    parts.push(section('Hit ratio along the request stream', `Per 1 % of the stream, warm-up (first ${Number(report.workload.warmup).toLocaleString('en')} requests) included.`,
      lineChart({
        xs: Array.from({ length: n }, (_, i) => Math.round(((i + 1) * total) / n)), xLabel: 'requests', yLabel: 'hit ratio', fmt: pct, yMax: 1,
        xFmt: (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : v >= 1e3 ? `${Math.round(v / 1e3)} k` : String(v)),
        series: details.map((d) => ({ name: d.scheduler, color: color(d.scheduler), values: d.hitSeries })),
      })));
    parts.push(section(`Requests per backend, N = ${big.backends}`, 'Share of measured requests each backend served.',
      barChart({
        categories: details[0]!.perBackend.map((_, i) => `#${i + 1}`), yLabel: 'share of requests', fmt: pct,
        series: details.map((d) => {
          const sum = d.perBackend.reduce((a, b) => a + b.requests, 0) || 1;
          return { name: d.scheduler, color: color(d.scheduler), values: d.perBackend.map((b) => b.requests / sum) };
        }),
      })));
  }

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>switchyard simulate</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1400px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 2px}
p{margin:0 0 8px;color:#555}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:20px}
section{border:1px solid #ddd;border-radius:6px;padding:12px;background:#fff}
svg{max-width:100%;height:auto}
pre{background:#f6f6f6;padding:12px;border-radius:6px;overflow:auto;font-size:12px}
</style></head><body>
<h1>switchyard simulate</h1>
<p>${esc(describeWorkload(report)).replace(/\n/g, '<br>')}</p>
<div class="grid">${parts.join('\n')}</div>
<h2 style="margin-top:20px">Table</h2>
<pre>${esc(formatTable(report))}</pre>
</body></html>
`;
}
