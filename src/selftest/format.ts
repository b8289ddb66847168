// `switchyard selftest` in words: per listener the counts, then every case that failed (and in
// chain mode every disagreement between the front proxy and Switchyard).
import { FAILING } from './verdict.js';
import type { SelftestReport } from './run.js';

const WORDS = { refused: 'refused', intact: 'forwarded intact', desync: 'desynced', misrouted: 'routed to a pool its path does not match', spoofed: 'client-chosen address forwarded' } as const;

export function formatSelftest(r: SelftestReport): string {
  const out = [`switchyard selftest: ${r.config}, ${r.cases} cases${r.chain ? `, through ${r.chain}` : ' per listener'}`];
  for (const l of r.listeners) {
    if (l.skipped) {
      out.push(`listener ${l.listener}: skipped: ${l.skipped}`);
      continue;
    }
    const counts = (Object.keys(WORDS) as (keyof typeof WORDS)[]).map((v) => `${l.counts[v]} ${WORDS[v]}`).join(', ');
    out.push(`listener ${l.listener}: ${counts}${l.disagreements !== undefined ? `; ${l.disagreements} parser disagreements` : ''}`);
    if (r.chain) {
      const front = l.cases.filter((c) => c.refusedBy === 'front').length;
      out.push(`  refused by the front proxy: ${front}, by Switchyard: ${l.counts.refused - front}`);
    }
    for (const c of l.cases) {
      if (FAILING.includes(c.verdict)) out.push(`  ${c.verdict.toUpperCase()} ${c.class}: ${c.name}`, ...c.problems.map((p) => `    ${p}`), `    ${c.seen}`);
      else if (c.disagreement) out.push(`  differs ${c.class}: ${c.name}: ${c.disagreement}`);
    }
  }
  out.push(r.ok ? 'result: PASS (no desync, misroute or client-chosen address)' : 'result: FAIL');
  return out.join('\n');
}
