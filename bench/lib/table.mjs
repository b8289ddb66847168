// The benchmark's markdown report: medians over rounds, same-round ratios, and the issue-7 targets.
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mb = (x) => (x > 0 ? (x / 2 ** 20).toFixed(0) : '–');

/** Median over rounds of (a's req/s ÷ b's req/s) in the same round and cell. */
function ratio(rows, a, b, size, conns) {
  const rs = [];
  for (const ra of rows.filter((r) => r.name === a && r.size === size && r.conns === conns)) {
    const rb = rows.find((r) => r.name === b && r.size === size && r.conns === conns && r.round === ra.round);
    if (rb) rs.push(ra.rps / rb.rps);
  }
  return median(rs);
}

export function report(rows, meta) {
  const names = [...new Set(rows.map((r) => r.name))];
  const cells = [...new Set(rows.map((r) => `${r.size}|${r.conns}`))].map((k) => {
    const [size, conns] = k.split('|');
    return { size, conns: Number(conns) };
  });
  const L = [];
  L.push(`Measured ${meta.date.slice(0, 16).replace('T', ' ')} UTC on ${meta.cores} cores (${meta.cpu}), Node ${meta.node}; ${meta.rounds} round(s) × ${meta.seconds}s per cell, contenders interleaved; proxy pinned to core 0, wrk (1 thread) + backends on core 1. Ratios are medians of same-round ratios.`, '');
  for (const n of meta.notes) L.push(`- ${n}`);
  if (meta.notes.length) L.push('');
  L.push('| contender | body | conns | req/s | p50 ms | p99 ms | × direct | × nginx | proxy CPU µs/req | peak RSS MB |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { size, conns } of cells) {
    for (const n of names) {
      const rs = rows.filter((r) => r.name === n && r.size === size && r.conns === conns);
      if (!rs.length) continue;
      const hwm = Math.max(...rs.map((r) => r.hwm));
      L.push(`| ${n} | ${size === '1k' ? '1 KiB' : '64 KiB'} | ${conns} | ${f(median(rs.map((r) => r.rps)))} | ${f(median(rs.map((r) => r.p50)), 2)} | ${f(median(rs.map((r) => r.p99)), 2)} | ${f(ratio(rows, n, 'direct', size, conns), 2)} | ${f(ratio(rows, n, 'nginx', size, conns), 2)} | ${f(median(rs.map((r) => r.cpuUsPerReq)), 1)} | ${mb(hwm)} |`);
    }
  }
  if (names.includes('switchyard')) {
    L.push('', '### Switchyard against the issue-7 targets', '');
    L.push('| body | conns | × undici sketch (≥1.0) | × http-proxy (≥1.75) | × @fastify/http-proxy (≥1.6) | × nginx req/s (≥0.40) | nginx CPU ÷ Switchyard CPU (≥0.40) | CPU µs/req (≤50) | p99 ms vs sketch |');
    L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { size, conns } of cells) {
      const sy = rows.filter((r) => r.name === 'switchyard' && r.size === size && r.conns === conns);
      const sk = rows.filter((r) => r.name === 'undici-sketch' && r.size === size && r.conns === conns);
      L.push(`| ${size === '1k' ? '1 KiB' : '64 KiB'} | ${conns} | ${f(ratio(rows, 'switchyard', 'undici-sketch', size, conns), 2)} | ${f(ratio(rows, 'switchyard', 'http-proxy', size, conns), 2)} | ${f(ratio(rows, 'switchyard', 'fastify-proxy', size, conns), 2)} | ${f(ratio(rows, 'switchyard', 'nginx', size, conns), 2)} | ${f(median(rows.filter((r) => r.name === 'nginx' && r.size === size && r.conns === conns).map((r) => r.cpuUsPerReq)) / median(sy.map((r) => r.cpuUsPerReq)), 2)} | ${f(median(sy.map((r) => r.cpuUsPerReq)), 1)} | ${f(median(sy.map((r) => r.p99)), 2)} vs ${f(median(sk.map((r) => r.p99)), 2)} |`);
    }
    if (names.includes('switchyard-before')) {
      L.push('', '### This build against the baseline build (same rounds)', '');
      L.push('| body | conns | req/s × before | CPU µs/req before → now |', '| --- | ---: | ---: | ---: |');
      for (const { size, conns } of cells) {
        const cpu = (n) => median(rows.filter((r) => r.name === n && r.size === size && r.conns === conns).map((r) => r.cpuUsPerReq));
        L.push(`| ${size === '1k' ? '1 KiB' : '64 KiB'} | ${conns} | ${f(ratio(rows, 'switchyard', 'switchyard-before', size, conns), 2)} | ${f(cpu('switchyard-before'), 1)} → ${f(cpu('switchyard'), 1)} |`);
      }
    }
    const perRound = [...new Set(rows.map((r) => r.round))].map((round) => Math.max(...rows.filter((r) => r.name === 'switchyard' && r.round === round).map((r) => r.rss)));
    L.push('', `Switchyard RSS at the end of each round: ${perRound.map(mb).join(' → ')} MB (target: < 150 MB, no growth).`);
  }
  return L.join('\n') + '\n';
}

/** Median over rounds of pick(a's row, b's row) in the same round and TLS-mode scenario. */
function sameRound(rows, a, b, proto, pick) {
  const rs = [];
  for (const ra of rows.filter((r) => r.name === a && r.proto === proto)) {
    const rb = rows.find((r) => r.name === b && r.proto === proto && r.round === ra.round);
    if (rb) rs.push(pick(ra, rb));
  }
  return median(rs);
}
const rpsRatio = (rows, a, b, proto) => sameRound(rows, a, b, proto, (ra, rb) => ra.rps / rb.rps);
/** a's requests per proxy CPU-second × b's: b's CPU µs/req ÷ a's. */
const cpuRatio = (rows, a, b, proto) => sameRound(rows, a, b, proto, (ra, rb) => rb.cpuUsPerReq / ra.cpuUsPerReq);

/** The TLS-mode report (issue 14): every contender per scenario, then Switchyard's ratios to nginx side by side. */
export function tlsReport(rows, scenarios, meta) {
  const names = [...new Set(rows.map((r) => r.name))];
  const L = [];
  L.push(`Measured ${meta.date.slice(0, 16).replace('T', ' ')} UTC on ${meta.cores} cores (${meta.cpu}), Node ${meta.node}; ${meta.rounds} round(s) × ${meta.seconds}s per cell, contenders interleaved; proxy pinned to core 0, load generator (1 thread) + backends on core 1. Ratios are medians of same-round ratios.`, '');
  for (const n of meta.notes) L.push(`- ${n}`);
  L.push('');
  L.push('| scenario | contender | req/s | p50 ms | p99 ms | × nginx req/s | proxy CPU µs/req | req per CPU-second × nginx | peak RSS MB | errors |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of scenarios) {
    for (const n of names) {
      const rs = rows.filter((r) => r.name === n && r.proto === s.proto);
      if (!rs.length) continue;
      const errs = rs.reduce((a, r) => a + (r.errors || 0), 0);
      L.push(`| ${s.label} | ${n} | ${f(median(rs.map((r) => r.rps)))} | ${f(median(rs.map((r) => r.p50)), 2)} | ${f(median(rs.map((r) => r.p99)), 2)} | ${f(rpsRatio(rows, n, 'nginx', s.proto), 2)} | ${f(median(rs.map((r) => r.cpuUsPerReq)), 1)} | ${f(cpuRatio(rows, n, 'nginx', s.proto), 2)} | ${mb(Math.max(...rs.map((r) => r.hwm)))} | ${errs || ''}${rs.some((r) => r.socketErrors) ? ' (socket errors)' : ''} |`);
    }
  }
  if (names.includes('switchyard') && names.includes('nginx')) {
    L.push('', '### Switchyard ÷ nginx, side by side', '');
    L.push('| scenario | req/s × nginx | req per CPU-second × nginx | target |', '| --- | ---: | ---: | --- |');
    for (const s of scenarios) {
      const cpu = cpuRatio(rows, 'switchyard', 'nginx', s.proto);
      const target = s.proto === 'https' ? `≥ 0.35 per CPU-second: ${cpu >= 0.35 ? 'met' : 'not met'}` : '';
      L.push(`| ${s.label} | ${f(rpsRatio(rows, 'switchyard', 'nginx', s.proto), 2)} | ${f(cpu, 2)} | ${target} |`);
    }
  }
  return L.join('\n') + '\n';
}

