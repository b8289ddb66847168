// `switchyard check`: validate a config and print its route table and pools.
import type { Config } from '../config/normalized.js';
import { lookup } from 'node:dns/promises';
import { Matcher } from '../match/compile.js';
import { describeRate } from '../limits/rate.js';
import { actionOf } from '../pipeline/route-actions.js';
import { readCerts, type CertInfo, type Problem } from '../listen/certs.js';

/** `certs`: what listenerCerts read, listed under the listeners. */
export function describeConfig(config: Config, certs: readonly CertInfo[] = []): string {
  const lines: string[] = [];
  const listen = config.listen.map((l) => `${l.host}:${l.port}${l.tls ? ' (tls)' : ''}`).join(', ');
  lines.push(`listen ${listen}${config.admin ? `   admin ${config.admin.host}:${config.admin.port}${config.admin.token ? ' (token)' : ''}` : ''}`);
  for (const c of certs) lines.push(`  certificate ${c.at}: ${c.names.join(', ') || '(no names)'}, expires ${c.notAfter}  (${c.file})`);
  lines.push('', 'Routes (first match wins):');
  const m = new Matcher(config.routes);
  const w = Math.max(4, ...m.routes.map((r) => r.name.length));
  // `→ <pool>` as before for a pool route, `→ redirect 301 <to>` / `→ respond 503` for the others
  const action = (r: (typeof m.routes)[number]) => r.pool ?? actionOf(r.pool, r.actions);
  const aw = Math.max(10, ...m.routes.map((r) => action(r).length));
  for (const r of m.routes) {
    lines.push(`  ${String(r.index + 1).padStart(2)}. ${r.name.padEnd(w)}  → ${action(r).padEnd(aw)}  ${r.describe}`);
    const rate = config.routes[r.index]?.rateLimit;
    const details = [r.actions?.describe, rate && `rateLimit ${describeRate(rate)}`].filter(Boolean).join('; ');
    if (details) lines.push(`      ${' '.repeat(w)}    ${details}`);
  }
  lines.push('', 'Pools:');
  for (const p of Object.values(config.pools)) {
    const hk = p.hashKey.kind === 'header' || p.hashKey.kind === 'cookie' ? `${p.hashKey.kind}:${p.hashKey.name}` : p.hashKey.kind;
    const params = Object.entries(p.rawParams).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const aff = typeof p.affinity === 'string' ? p.affinity : `header:${p.affinity.header}`;
    lines.push(`  ${p.name}: scheduler ${p.scheduler}${params ? ' ' + params : ''}, hashKey ${hk}, affinity ${aff}${p.health ? `, health ${p.health.type} ${p.health.type === 'http' ? p.health.path : ''}` : ''}${p.fallback ? `, fallback ${p.fallback}` : ''}${p.sorry ? `, sorry ${p.sorry.status}` : ''}`);
    for (const b of p.backends) lines.push(`      ${b.url}  weight ${b.weight}${b.backup ? '  backup' : ''}`);
  }
  for (const t of config.tcp) lines.push(`  tcp ${t.name}: ${t.listen.host}:${t.listen.port} → pool ${t.pool}`);
  return lines.join('\n');
}

/** Valid but risky settings, one line each (`check` prints them; they do not fail it). */
export function configWarnings(config: Config): string[] {
  const out: string[] = [];
  const see = (l: Config['listen'][number], at: string) => {
    if (l.acceptProxy === true) {
      out.push(`${at}.acceptProxy: true lets any peer send a PROXY header and name any client address; list the balancers' CIDRs instead`);
    }
  };
  config.listen.forEach((l, i) => see(l, config.listen.length === 1 ? 'listen' : `listen[${i}]`));
  config.tcp.forEach((t, i) => see(t.listen, `tcp[${i}].listen`));
  for (const p of Object.values(config.pools)) {
    if (p.tls?.rejectUnauthorized === false) {
      out.push(`pools.${p.name}.tls.rejectUnauthorized: false accepts any certificate from the pool's https: backends; give their CA in tls.ca instead`);
    }
  }
  return out;
}

/**
 * Read every `listen.tls` certificate and key as a start would (src/listen/certs.ts): a file
 * missing, not PEM, or a key that does not match is a problem at its key path.
 */
export function listenerCerts(config: Config): { problems: Problem[]; certs: CertInfo[] } {
  const problems: Problem[] = [];
  const certs: CertInfo[] = [];
  for (const l of config.listen) {
    if (!l.tls) continue;
    const r = readCerts(l.tls);
    problems.push(...r.problems);
    certs.push(...(r.set?.entries.map((e) => e.info) ?? []));
  }
  return { problems, certs };
}

const DAY = 86_400_000;

/** A certificate past its date, or within `soonDays` of it: one warning line each (start serves it anyway). */
export function certWarnings(certs: readonly CertInfo[], now: number, soonDays = 14): string[] {
  const out: string[] = [];
  for (const c of certs) {
    const left = Date.parse(c.notAfter) - now;
    if (left <= 0) out.push(`${c.at}: ${c.file} expired on ${c.notAfter}; it is still served (docs/security.md, "TLS termination")`);
    else if (left < soonDays * DAY) out.push(`${c.at}: ${c.file} expires on ${c.notAfter}, in ${Math.ceil(left / DAY)} day(s)`);
  }
  return out;
}

export interface BoundSocket {
  /** Config key, e.g. `listen[1]`, `tcp[0].listen`, `admin`. */
  at: string;
  host: string;
  /** The address `listen()` would bind for `host`. */
  address: string;
  port: number;
}

const anyV4 = (a: string) => a === '0.0.0.0';
const anyV6 = (a: string) => a === '::';
const isV4 = (a: string) => /^\d+\.\d+\.\d+\.\d+$/.test(a);

/**
 * Clashes between sockets on resolved addresses (src/config/validate.ts compares host strings,
 * so `localhost` and `127.0.0.1` on one port pass it): same port and the same address, or a
 * wildcard on either side (`::` takes IPv4 too, as node binds it dual-stack).
 */
export function addressClashes(sockets: readonly BoundSocket[]): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  sockets.forEach((s, i) => {
    if (s.port === 0) return;
    const other = sockets.slice(0, i).find((o) => o.port === s.port && (
      o.address === s.address || anyV6(o.address) || anyV6(s.address) ||
      (anyV4(o.address) && isV4(s.address)) || (anyV4(s.address) && isV4(o.address))));
    if (other) out.push({ path: s.at, message: `port ${s.port} on ${s.host} (${s.address}) clashes with ${other.at} (${other.host}:${other.port}, ${other.address})` });
  });
  return out;
}

/** Every socket the config binds, its host resolved as `listen()` resolves it (one address). */
export async function boundSockets(config: Config): Promise<BoundSocket[]> {
  const all = [
    ...config.listen.map((l, i) => ({ at: config.listen.length === 1 ? 'listen' : `listen[${i}]`, host: l.host, port: l.port })),
    ...config.tcp.map((t, i) => ({ at: `tcp[${i}].listen`, host: t.listen.host, port: t.listen.port })),
    ...(config.admin ? [{ at: 'admin', host: config.admin.host, port: config.admin.port }] : []),
  ];
  const out: BoundSocket[] = [];
  for (const s of all) {
    const host = s.host.replace(/^\[(.*)\]$/, '$1');
    // a name that does not resolve is for `start` to report; it binds nothing here
    const address = await lookup(host).then((r) => r.address, () => undefined);
    if (address !== undefined) out.push({ ...s, address });
  }
  return out;
}
