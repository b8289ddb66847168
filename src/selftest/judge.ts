// Judging one corpus case against the corpus's own config (src/selftest/corpus.ts): every way what
// the client saw and what reached the captures differs from the case's expectation.
import type { Capture, Captured } from './capture.js';
import { header, type Conversation } from './client.js';
import type { Arrival, Case } from './corpus.js';

/** What the client saw, in one line, for failure messages. */
export function describeConversation(c: Conversation): string {
  const rs = c.responses.map((r) => `${r.status}${r.complete ? '' : '(cut)'}[${header(r, 'x-capture')[0] ?? 'router'}] ${JSON.stringify(r.body.toString('latin1').slice(0, 60))}`);
  return `${rs.length ? rs.join(' | ') : 'no response'}${c.closed ? ', closed' : ''}`;
}

function headerProblems(a: Arrival, r: Captured): string[] {
  const out: string[] = [];
  const want = new Map<string, string[]>();
  for (const line of a.headers ?? []) {
    const i = line.indexOf(':');
    const n = line.slice(0, i).toLowerCase();
    want.set(n, [...(want.get(n) ?? []), line.slice(i + 1).trim()]);
  }
  for (const [n, values] of want) {
    const got = r.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
    if (JSON.stringify(got) !== JSON.stringify(values)) out.push(`${n}: want ${JSON.stringify(values)}, got ${JSON.stringify(got)}`);
  }
  for (const n of a.absent ?? []) {
    const got = r.headers.filter(([k]) => k.toLowerCase() === n.toLowerCase());
    if (got.length) out.push(`${n} must not arrive, got ${JSON.stringify(got)}`);
  }
  return out;
}

/** Every way the outcome of one case differs from its expectation (empty: as expected). */
export function judge(c: Case, conv: Conversation, caps: Capture[]): string[] {
  const problems: string[] = [];
  const arrived = caps.flatMap((k) => k.received).sort((a, b) => a.at - b.at);
  const seen = `client saw: ${describeConversation(conv)}; backends got: ${arrived.map((r) => `${r.pool} ${JSON.stringify(r.requestLine)}`).join(', ') || 'nothing'}`;
  for (const k of caps) for (const e of k.errors) problems.push(`capture ${k.name} could not frame what arrived: ${e}`);
  const o = c.expect;
  if ('refused' in o) {
    const first = conv.responses[0];
    if (!first || first.status !== o.refused || header(first, 'x-capture').length) problems.push(`want refused ${o.refused}`);
    const bytes = caps.reduce((n, k) => n + k.bytes, 0);
    if (o.inBody ? arrived.length > 0 : bytes > 0) problems.push(`a refused request reached a backend (${bytes} bytes, ${arrived.length} whole requests)`);
  } else {
    const want = o.forwarded;
    if (arrived.length !== want.length) problems.push(`want ${want.length} request(s) upstream, got ${arrived.length}`);
    want.forEach((a, i) => {
      const r = arrived[i];
      const resp = conv.responses[i];
      if (!resp || resp.status !== 200 || header(resp, 'x-capture')[0] !== a.pool) problems.push(`response ${i + 1}: want 200 from ${a.pool}`);
      if (!r) return;
      if (r.pool !== a.pool) problems.push(`request ${i + 1} reached ${r.pool}, want ${a.pool}`);
      if (a.line !== undefined && r.requestLine !== a.line) problems.push(`request ${i + 1} line ${JSON.stringify(r.requestLine)}, want ${JSON.stringify(a.line)}`);
      if (a.body !== undefined && r.body.toString('latin1') !== a.body) problems.push(`request ${i + 1} body ${JSON.stringify(r.body.toString('latin1'))}, want ${JSON.stringify(a.body)}`);
      problems.push(...headerProblems(a, r).map((p) => `request ${i + 1} ${p}`));
      const extra = a.check?.(r);
      if (extra) problems.push(`request ${i + 1}: ${extra}`);
    });
    if (o.oneAtATime) {
      for (let i = 1; i < arrived.length; i++) {
        if (arrived[i]!.at < arrived[i - 1]!.answeredAt) problems.push(`request ${i + 1} went upstream before request ${i} was answered`);
      }
    }
  }
  return problems.length ? [...problems, seen] : [];
}

