// Minimal inline-SVG charts for the HTML report (no scripts, no network).

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Series {
  name: string;
  values: number[];
  color: string;
}

export interface RefLine {
  value: number;
  label: string;
}

const W = 640;
const H = 300;
const M = { l: 56, r: 92, t: 16, b: 56 };

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function axes(yMax: number, fmt: (v: number) => string, yLabel: string): string {
  const ih = H - M.t - M.b;
  let s = '';
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const y = M.t + ih - (ih * k) / 4;
    s += `<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`;
    s += `<text x="${M.l - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#555">${esc(fmt(v))}</text>`;
  }
  s += `<text transform="translate(14 ${M.t + ih / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${esc(yLabel)}</text>`;
  return s;
}

function legend(series: Series[]): string {
  let x = M.l;
  let s = '';
  for (const se of series) {
    s += `<rect x="${x}" y="${H - 18}" width="10" height="10" fill="${se.color}"/><text x="${x + 14}" y="${H - 9}" font-size="11" fill="#333">${esc(se.name)}</text>`;
    x += 24 + se.name.length * 6.5;
  }
  return s;
}

function refs(lines: RefLine[], yMax: number): string {
  const ih = H - M.t - M.b;
  return lines.map((r) => {
    const y = M.t + ih - (ih * Math.min(r.value, yMax)) / yMax;
    return `<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#333" stroke-dasharray="5 4"/>` +
      `<text x="${W - M.r + 4}" y="${y + 4}" font-size="11" fill="#333">${esc(r.label)}</text>`;
  }).join('');
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(o: {
  categories: string[]; series: Series[]; yLabel: string; fmt: (v: number) => string; yMax?: number; refs?: RefLine[];
}): string {
  const all = o.series.flatMap((s) => s.values).concat((o.refs ?? []).map((r) => r.value));
  const yMax = o.yMax ?? niceMax(Math.max(...all) * 1.05);
  const iw = W - M.l - M.r;
  const ih = H - M.t - M.b;
  const gw = iw / Math.max(1, o.categories.length);
  const bw = (gw * 0.8) / Math.max(1, o.series.length);
  let s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img">`;
  s += axes(yMax, o.fmt, o.yLabel);
  o.categories.forEach((c, i) => {
    const gx = M.l + i * gw + gw * 0.1;
    o.series.forEach((se, j) => {
      const v = se.values[i] ?? 0;
      const h = (ih * Math.min(v, yMax)) / yMax;
      const x = gx + j * bw;
      s += `<rect x="${x.toFixed(1)}" y="${(M.t + ih - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${se.color}"><title>${esc(`${c} · ${se.name}: ${o.fmt(v)}`)}</title></rect>`;
      if (o.series.length * o.categories.length <= 24) {
        s += `<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(M.t + ih - h - 3).toFixed(1)}" text-anchor="middle" font-size="${bw < 40 ? 8.5 : 10}" fill="#333">${esc(o.fmt(v))}</text>`;
      }
    });
    s += `<text x="${(M.l + i * gw + gw / 2).toFixed(1)}" y="${M.t + ih + 16}" text-anchor="middle" font-size="12" fill="#222">${esc(c)}</text>`;
  });
  s += refs(o.refs ?? [], yMax);
  if (o.series.length > 1) s += legend(o.series);
  return s + '</svg>';
}

/** Lines over a numeric x axis. */
export function lineChart(o: {
  xs: number[]; series: Series[]; xLabel: string; yLabel: string; fmt: (v: number) => string; xFmt?: (v: number) => string;
  yMax?: number; logX?: boolean;
}): string {
  const yMax = o.yMax ?? niceMax(Math.max(...o.series.flatMap((s) => s.values)) * 1.05);
  const iw = W - M.l - M.r;
  const ih = H - M.t - M.b;
  const tx = (v: number) => (o.logX ? Math.log2(v) : v);
  const x0 = tx(o.xs[0]!);
  const x1 = tx(o.xs[o.xs.length - 1]!);
  const px = (v: number) => M.l + (x1 === x0 ? iw / 2 : ((tx(v) - x0) / (x1 - x0)) * iw);
  const py = (v: number) => M.t + ih - (ih * Math.min(v, yMax)) / yMax;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img">`;
  s += axes(yMax, o.fmt, o.yLabel);
  const ticks = o.xs.length <= 12 ? o.xs : [0, 0.25, 0.5, 0.75, 1].map((f) => o.xs[Math.round(f * (o.xs.length - 1))]!);
  for (const v of ticks) {
    s += `<text x="${px(v).toFixed(1)}" y="${M.t + ih + 16}" text-anchor="middle" font-size="11" fill="#555">${esc((o.xFmt ?? String)(v))}</text>`;
  }
  s += `<text x="${M.l + iw / 2}" y="${M.t + ih + 32}" text-anchor="middle" font-size="12" fill="#333">${esc(o.xLabel)}</text>`;
  for (const se of o.series) {
    const pts = se.values.map((v, i) => `${px(o.xs[i]!).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    s += `<polyline points="${pts}" fill="none" stroke="${se.color}" stroke-width="2"><title>${esc(se.name)}</title></polyline>`;
    if (o.xs.length <= 12) for (let i = 0; i < se.values.length; i++) s += `<circle cx="${px(o.xs[i]!).toFixed(1)}" cy="${py(se.values[i]!).toFixed(1)}" r="3" fill="${se.color}"><title>${esc(`${se.name} @ ${o.xs[i]}: ${o.fmt(se.values[i]!)}`)}</title></circle>`;
  }
  s += legend(o.series);
  return s + '</svg>';
}
