// `switchyard selftest`: start the config's listeners in process with every pool pointed at a
// capture backend (setup.ts), send the request corpus (corpus.ts) through each, and judge each case
// by the generic rules (verdict.ts). Chain mode sends the corpus through a front proxy instead and
// compares each case with the same bytes sent to Switchyard directly.
import { pino } from 'pino';
import { ConfigError } from '../errors.js';
import { validate } from '../config/validate.js';
import { Router } from '../router.js';
import { startCapture, type Capture } from './capture.js';
import { converse, type Step } from './client.js';
import { CASES, type Case } from './corpus.js';
import { approach, captureConfig, type Approach } from './setup.js';
import { FAILING, VERDICTS, judgeGeneric, sentCount, type CaseResult, type Observed, type RouteOf, type Verdict } from './verdict.js';

export interface ListenerReport {
  /** The listener as configured (`host:port`, with `tls`), or in chain mode `front → listeners`. */
  listener: string;
  /** Why it was not tested. */
  skipped?: string;
  counts: Record<Verdict, number>;
  /** Chain mode: cases the two parsers handled differently. */
  disagreements?: number;
  cases: CaseResult[];
}

export interface SelftestReport {
  config: string;
  chain?: string;
  cases: number;
  /** False on any desync, misroute or spoofed address. */
  ok: boolean;
  listeners: ListenerReport[];
}

export interface SelftestOptions {
  /** Front proxy URL (http://host:port) for chain mode. */
  chain?: string;
  /** Cases to send (default: the whole corpus). */
  cases?: Case[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send one case and collect what the client and the captures saw. */
async function observe(c: Case, caps: Capture[], port: number, host: string, a: Approach): Promise<Observed> {
  for (const k of caps) k.reset();
  const steps: Step[] = typeof c.send === 'string' ? [c.send] : [...c.send];
  if (a.prefix) steps.unshift(a.prefix);
  const conv = await converse(port, steps, { finals: sentCount(c), timeoutMs: 1500, tls: a.tls, host });
  await sleep(20); // anything forwarded late still shows up
  const arrived = caps.flatMap((k) => k.received).sort((x, y) => x.at - y.at);
  return { conv, arrived, bytes: caps.reduce((n, k) => n + k.bytes, 0), errors: caps.flatMap((k) => k.errors.map((e) => `${k.name}: ${e}`)) };
}

function counted(cases: CaseResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of cases) counts[c.verdict]++;
  return counts;
}

/** How the front proxy changed a case, compared with the same bytes sent straight to Switchyard. */
function disagreement(via: CaseResult, direct: CaseResult, viaLines: string[], directLines: string[]): string | undefined {
  if (via.verdict === 'refused' && via.refusedBy === 'switchyard') return 'the front proxy passed it on; Switchyard refused it';
  if (via.verdict === 'refused') return undefined; // the front proxy refused: the stricter parser wins
  if (direct.verdict === 'refused') return `Switchyard alone refuses it; through the front proxy it arrived as ${viaLines.join(', ')}`;
  if (viaLines.join() !== directLines.join()) return `arrived as ${viaLines.join(', ')} through the front proxy, ${directLines.join(', ')} directly`;
  return undefined;
}

export async function selftest(raw: unknown, file: string, opts: SelftestOptions = {}): Promise<SelftestReport> {
  const { config, problems } = validate(raw);
  if (!config) throw new ConfigError(problems, file);
  const cases = opts.cases ?? CASES;
  const caps: Capture[] = [];
  let router: Router | undefined;
  try {
    for (const name of Object.keys(config.pools)) caps.push(await startCapture(name));
    const urls = new Map(caps.map((k) => [k.name, k.url]));
    const test = validate(captureConfig(raw as Record<string, unknown>, urls, opts.chain !== undefined));
    if (!test.config) throw new ConfigError(test.problems, file);
    router = new Router(test.config, { logger: pino({ level: 'silent' }) });
    const addrs = await router.listen();
    const r = router;
    const routeOf: RouteOf = (c) => {
      const headers = Object.fromEntries(c.headers.map(([k, v]) => [k.toLowerCase(), v]));
      const e = r.explain({ method: c.method, url: c.target, headers, clientIp: '127.0.0.1' });
      return { pool: e.pool?.name, error: e.error };
    };
    const label = (i: number) => {
      const l = config.listen[i]!;
      return `${l.host}:${l.port}${l.tls ? ' (tls)' : ''}${l.redirectHttps ? ' (redirect)' : ''}`;
    };
    const listeners: ListenerReport[] = [];
    if (opts.chain !== undefined) {
      const front = new URL(opts.chain);
      const frontPort = Number(front.port || (front.protocol === 'https:' ? 443 : 80));
      const frontWay: Approach = { prefix: '', tls: front.protocol === 'https:', checkSpoof: approach(test.config.listen[0]!, 0).checkSpoof, skip: undefined };
      const directWay = approach(test.config.listen[0]!, addrs[0]!.port);
      const results: CaseResult[] = [];
      for (const c of cases) {
        const via = await observe(c, caps, frontPort, front.hostname, frontWay);
        const v = judgeGeneric(c, via, routeOf, frontWay.checkSpoof);
        const direct = await observe(c, caps, addrs[0]!.port, '127.0.0.1', directWay);
        const d = judgeGeneric(c, direct, routeOf, directWay.checkSpoof);
        const lines = (o: Observed) => o.arrived.map((x) => `${x.pool} ${JSON.stringify(x.requestLine)}`);
        const dis = disagreement(v, d, lines(via), lines(direct));
        results.push(dis ? { ...v, disagreement: dis } : v);
      }
      listeners.push({ listener: `${opts.chain} → ${label(0)}`, counts: counted(results), disagreements: results.filter((x) => x.disagreement).length, cases: results });
    } else {
      for (let i = 0; i < addrs.length; i++) {
        const way = approach(test.config.listen[i]!, addrs[i]!.port);
        if (way.skip) {
          listeners.push({ listener: label(i), skipped: way.skip, counts: counted([]), cases: [] });
          continue;
        }
        const results: CaseResult[] = [];
        for (const c of cases) {
          const { refusedBy: _, ...res } = judgeGeneric(c, await observe(c, caps, addrs[i]!.port, '127.0.0.1', way), routeOf, way.checkSpoof);
          results.push(res);
        }
        listeners.push({ listener: label(i), counts: counted(results), cases: results });
      }
    }
    const ok = listeners.every((l) => FAILING.every((v) => l.counts[v] === 0));
    return { config: file, ...(opts.chain !== undefined ? { chain: opts.chain } : {}), cases: cases.length, ok, listeners };
  } finally {
    await router?.close(500);
    for (const k of caps) await k.close();
  }
}
