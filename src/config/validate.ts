// Validates a raw config object against the schema (src/config/schema.ts), then checks what a
// schema cannot say (URLs, scheduler names and parameters, pool references, port clashes) and
// builds the normalized config. Collects every problem with its key path in one pass; never throws.
import { Type, type Static } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { getScheduler, schedulerNames } from '../schedulers/registry.js';
import { poolWatch } from './pool-watch.js';
import { parseHashKey } from '../pools/hash-key.js';
import type { Problem } from '../schedulers/types.js';
import { checkValue, closest, isObj, q } from './check-value.js';
import type * as N from './normalized.js';
import { readCertificates } from './pem.js';
import { checkFailover, fallbackPool, isFallbackPool, sorry } from './failover.js';
import { routeActions } from './route-actions.js';
import { ConfigSchema, PoolSchema, type HealthSchema, type ListenSchema, type SorrySchema, type UpstreamTlsSchema } from './schema.js';
import { rateSpec, requestIdOf } from './rate-limit.js';

type Obj = Record<string, unknown>;
type Filled<T> = { [K in keyof T]-?: T[K] };
type ListenIn = Filled<Static<typeof ListenSchema>>;

/** The schema's top level with pools left to `pool()` (their keys depend on the scheduler). */
const TopSchema = Type.Object({ ...ConfigSchema.properties, pools: Type.Optional(Type.Unknown()) });
type Top = Filled<Static<typeof TopSchema>>;

function listen(l: ListenIn): N.Listen {
  const limits = l.limits as N.Limits;
  return {
    host: l.host, port: l.port, limits: { ...limits, maxBodySize: limits.maxBodySize },
    trustProxy: l.trustProxy, acceptProxy: l.acceptProxy,
    allowUnderscoreHeaders: l.allowUnderscoreHeaders, mergeSlashes: l.mergeSlashes, engine: defaultEngine(),
  };
}

/** `listen.engine` when unset: SWITCHYARD_ENGINE (how CI runs the whole suite on each engine), else 'fast'. */
export function defaultEngine(): 'fast' | 'node' {
  return process.env.SWITCHYARD_ENGINE === 'node' ? 'node' : 'fast';
}

/** A file path of the config, absolute from the config file's directory when there is one (a missing one: the schema said so). */
const fromDir = <T extends string | undefined>(baseDir: string | undefined, file: T): T =>
  (baseDir === undefined || file === undefined ? file : resolve(baseDir, file)) as T;

/** `listen.tls`, `redirectHttps` and `hsts` of an HTTP listener (the files are read by src/listen/certs.ts). */
function httpListen(problems: Problem[], l: ListenIn, at: string, baseDir: string | undefined): N.Listen {
  const out = listen(l);
  const err = (path: string, message: string) => void problems.push({ path, message });
  const t = l.tls as Filled<NonNullable<ListenIn['tls']>> | undefined;
  if (t !== undefined) {
    const certs: N.CertFiles[] = [];
    if (t.certs !== undefined) {
      if (t.cert !== undefined || t.key !== undefined) err(`${at}.tls`, 'use either { cert, key } or { certs: [...] }, not both');
      t.certs.forEach((c, i) => c && certs.push({ cert: fromDir(baseDir, c.cert), key: fromDir(baseDir, c.key), at: `${at}.tls.certs[${i}]` }));
    } else if (t.cert === undefined || t.key === undefined) err(`${at}.tls`, `needs both cert and key (or certs: [{ cert, key }, …])`);
    else certs.push({ cert: fromDir(baseDir, t.cert), key: fromDir(baseDir, t.key), at: `${at}.tls` });
    out.tls = { certs, minVersion: t.minVersion };
  }
  if (l.redirectHttps !== undefined) {
    if (t !== undefined) err(`${at}.redirectHttps`, 'a redirecting listener is cleartext: it cannot also have tls');
    out.redirectHttps = l.redirectHttps;
  }
  if (l.http2 !== undefined) out.http2 = l.http2;
  if (l.engine !== undefined) out.engine = l.engine;

  const h2 = l.http2Limits as Filled<NonNullable<ListenIn['http2Limits']>>;
  out.http2Limits = { ...h2, maxHeaderListSize: h2.maxHeaderListSize ?? out.limits.maxHeaderSize };
  const h = l.hsts as Filled<NonNullable<ListenIn['hsts']>> | undefined;
  if (h !== undefined) {
    if (t === undefined) err(`${at}.hsts`, 'applies to a tls listener only');
    out.hsts = `max-age=${h.maxAge}${h.includeSubDomains ? '; includeSubDomains' : ''}`;
  }
  return out;
}

function backend(problems: Problem[], raw: unknown, at: string, tcp: boolean): N.Backend | undefined {
  const obj = isObj(raw);
  const url = obj ? raw.url : raw;
  const weight = obj ? (raw.weight as number) : 1;
  const backup = obj ? raw.backup === true : false;
  const urlAt = obj ? `${at}.url` : at;
  const bad = (message: string) => void problems.push({ path: urlAt, message });
  if (typeof url !== 'string') return undefined; // the schema reported it
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad(`bad URL ${q(url)}`);
  }
  const okProto = tcp ? ['tcp:'] : ['http:', 'https:'];
  if (!okProto.includes(u.protocol)) return bad(`bad URL ${q(url)}: scheme must be ${okProto.map((p) => p.slice(0, -1)).join(' or ')}`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
    return bad(`bad URL ${q(url)}: a backend URL is scheme://host:port only`);
  }
  if (tcp && !u.port) return bad(`bad URL ${q(url)}: tcp backends need a port`);
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { id: `${u.hostname}:${port}`, url: `${u.protocol}//${u.hostname}:${port}`, protocol: u.protocol as N.Backend['protocol'], host, port, weight, backup };
}

function health(problems: Problem[], h: Filled<Static<typeof HealthSchema>> | undefined, at: string): N.Health | undefined {
  if (h === undefined) return undefined;
  // a list of codes, or a range (the schema's default is one)
  const expect: [number, number][] = Array.isArray(h.expect)
    ? h.expect.map((c) => [c, c])
    : [h.expect.split('-').map(Number) as [number, number]];
  if (expect.some(([lo, hi]) => lo > hi)) problems.push({ path: `${at}.expect`, message: `range ${q(h.expect)} is empty` });
  return {
    type: h.type, path: h.path, expect, interval: h.interval, timeout: h.timeout ?? Math.min(1000, h.interval),
    rise: h.rise, fall: h.fall, host: h.host, initial: h.initial,
  };
}

/** `pools.<name>.tls`: only for pools with https: backends; the CA file is read here (pem.ts). */
function upstreamTls(problems: Problem[], t: Filled<Static<typeof UpstreamTlsSchema>> | undefined, at: string, backends: N.Backend[], baseDir: string | undefined): N.UpstreamTls | undefined {
  if (t === undefined) return undefined;
  if (backends.length > 0 && !backends.some((b) => b.protocol === 'https:')) {
    problems.push({ path: at, message: 'applies to https: backends and this pool has none (write https:// in the backend URLs)' });
  }
  if (t.servername !== undefined && isIP(t.servername.replace(/^\[(.*)\]$/, '$1')) !== 0) {
    problems.push({ path: `${at}.servername`, message: `must be a host name; an IP address is never sent as a server name, got ${q(t.servername)}` });
  }
  const caFile = t.ca === undefined ? undefined : fromDir(baseDir, t.ca);
  const ca = caFile === undefined ? undefined : readCertificates(caFile, `${at}.ca`, problems);
  return { caFile, ca, servername: t.servername, rejectUnauthorized: t.rejectUnauthorized };
}

const DEFAULT_SCHEDULER = PoolSchema.properties.scheduler.default as string;

/** All scheduler names and aliases, for suggestions. */
const allNames = () => schedulerNames().flatMap((n) => [n, ...(getScheduler(n)!.aliases ?? [])]);

function pool(problems: Problem[], name: string, raw: unknown, tcpPool: boolean, baseDir: string | undefined): N.Pool | undefined {
  const at = `pools.${name}`;
  const schedName = (isObj(raw) ? raw.scheduler : undefined) ?? DEFAULT_SCHEDULER;
  const def = typeof schedName === 'string' ? getScheduler(schedName) : undefined;
  if (typeof schedName === 'string' && !def) {
    const near = closest(schedName, allNames());
    problems.push({ path: `${at}.scheduler`, message: `unknown scheduler ${q(schedName)}; expected one of ${schedulerNames().join(', ')}${near ? `; did you mean '${near}'?` : ''}` });
  }
  // With an unknown scheduler, any scheduler's parameter may stand beside it.
  const alsoKeys = def ? def.params : [...new Set(schedulerNames().flatMap((n) => getScheduler(n)!.params))];
  const before = problems.length;
  const p = checkValue(PoolSchema, raw, at, problems, { alsoKeys }) as Filled<Static<typeof PoolSchema>> & Obj | undefined;
  // a parameter of another scheduler: say whose
  for (const x of problems.slice(before)) {
    const key = x.path.slice(at.length + 1);
    const owners = schedulerNames().filter((n) => getScheduler(n)!.params.includes(key));
    if (x.message.startsWith('unknown key') && owners.length > 0) x.message += ` (${key} is a parameter of ${owners.join(', ')})`;
  }
  if (p === undefined) return undefined;
  const rawParams: Record<string, unknown> = {};
  for (const k of def?.params ?? []) if (p[k] !== undefined && !isFallbackPool(k, p[k])) rawParams[k] = p[k];
  const params = def ? def.parse(rawParams, at, problems) : null;

  const backends: N.Backend[] = [];
  const seen = new Map<string, number>();
  (isObj(raw) && Array.isArray(raw.backends) ? raw.backends : []).forEach((b, i) => {
    const bAt = `${at}.backends[${i}]`;
    const checked = p.backends[i];
    if (checked === undefined || problems.some((x) => x.path === bAt || x.path === `${bAt}.url`)) return;
    const nb = backend(problems, checked, bAt, tcpPool);
    if (!nb) return;
    const prev = seen.get(nb.id);
    if (prev !== undefined) problems.push({ path: bAt, message: `duplicate backend ${nb.id} (also at backends[${prev}])` });
    else {
      seen.set(nb.id, i);
      backends.push(nb);
    }
  });
  let hashKey: N.HashKeySpec = parseHashKey(def?.defaultHashKey ?? 'path')!;
  if (p.hashKey !== undefined) {
    const hk = parseHashKey(p.hashKey);
    if (!hk) problems.push({ path: `${at}.hashKey`, message: `must be 'path', 'url', 'client-ip', 'header:<name>' or 'cookie:<name>', got ${q(p.hashKey)}` });
    else hashKey = hk;
  }
  const outlier = p.outlier as Filled<typeof p.outlier>;
  return {
    name,
    scheduler: def?.name ?? DEFAULT_SCHEDULER,
    params,
    rawParams,
    hashKey,
    timeout: p.timeout,
    connectTimeout: p.connectTimeout,
    retries: p.retries,
    learnMime: p.learnMime,
    affinity: typeof p.affinity === 'string' ? p.affinity : { header: String(p.affinity.header).toLowerCase() },
    health: health(problems, p.health as Filled<Static<typeof HealthSchema>> | undefined, `${at}.health`),
    outlier: { ...outlier, maxEjectPercent: p.maxEjectPercent },
    slowStart: p.slowStart,
    sendProxy: p.sendProxy,
    tls: upstreamTls(problems, p.tls as Filled<Static<typeof UpstreamTlsSchema>> | undefined, `${at}.tls`, backends, baseDir),
    ...poolWatch(problems, p.shadow, p.expect, at, p.hashKey !== undefined),
    fallback: fallbackPool(problems, `${at}.fallback`, p.fallback, def?.params ?? []),
    sorry: sorry(p.sorry as Filled<Static<typeof SorrySchema>> | undefined),
    backends,
  };
}

const HASHING_ONLY_HTTP = new Set(['path', 'url', 'header', 'cookie']);

export interface ValidateOptions {
  /** Relative certificate, key and CA paths are made absolute from here: the config file's directory (without it they stay as written, read from the working directory). */
  baseDir?: string;
}

export function validate(input: unknown, opts: ValidateOptions = {}): { config: N.Config | undefined; problems: Problem[] } {
  const baseDir = opts.baseDir;
  const problems: Problem[] = [];
  const err = (path: string, message: string) => void problems.push({ path, message });
  if (!isObj(input)) {
    err('(root)', 'the config must export default an object with `pools` and `routes`');
    return { config: undefined, problems };
  }
  const c = checkValue(TopSchema, input, '', problems) as Top;

  const listens = (Array.isArray(c.listen) ? c.listen : [c.listen])
    .map((l, i) => (l === undefined ? undefined : httpListen(problems, l as ListenIn, Array.isArray(c.listen) ? `listen[${i}]` : 'listen', baseDir)))
    .filter((l) => l !== undefined);
  const a = c.admin as Filled<Exclude<Top['admin'], false>>;
  const admin: N.Config['admin'] = c.admin === false ? false : {
    host: a.host, port: a.port, token: a.token,
    allowedHosts: a.allowedHosts.filter((h) => h !== undefined).map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1')),
  };
  const f = c.affinity as N.AffinitySettings;
  const aff: N.AffinitySettings = {
    timeout: f.timeout, netmask: f.netmask, maxEntries: f.maxEntries, store: f.store, cookieSecret: f.cookieSecret, expireQuiescentTemplate: f.expireQuiescentTemplate,
  };
  const log = c.log as N.Config['log'];

  // TCP services decide which pools hold tcp:// backends.
  const tcpPools = new Set<string>();
  const tcp: N.TcpService[] = [];
  (c.tcp ?? []).forEach((t, i) => {
    if (t?.pool === undefined || t.listen === undefined) return;
    tcpPools.add(t.pool);
    tcp.push({ name: t.name ?? `tcp${i}`, listen: listen(t.listen as ListenIn), pool: t.pool, idleTimeout: t.idleTimeout!, finTimeout: t.finTimeout! });
  });

  const pools: Record<string, N.Pool> = {};
  const rawPools = input.pools;
  if (!isObj(rawPools) || Object.keys(rawPools).length === 0) err('pools', 'must be an object with at least one pool');
  else
    for (const [name, raw] of Object.entries(rawPools)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) err(`pools.${name}`, 'pool names use letters, digits, "_", "." and "-" only');
      const p = pool(problems, name, raw, tcpPools.has(name), baseDir);
      if (p) pools[name] = p;
    }
  const poolNames = isObj(rawPools) ? Object.keys(rawPools) : [];
  checkFailover(problems, pools, poolNames, tcpPools);

  const routes: N.Route[] = [];
  const names = new Set<string>();
  (Array.isArray(input.routes) ? input.routes : []).forEach((raw, i) => {
    const r = (c.routes ?? [])[i];
    const at = `routes[${i}]`;
    if (!isObj(raw) || r === undefined) return;
    const name = r.name ?? `route${i}`;
    if (names.has(name)) err(`${at}.name`, `duplicate route name ${q(name)}`);
    names.add(name);
    if (typeof raw.pool === 'string') {
      if (isObj(rawPools) && !(raw.pool in rawPools)) {
        const near = closest(raw.pool, poolNames);
        err(`${at}.pool`, `pool ${q(raw.pool)} is not defined in pools${near ? `; did you mean '${near}'?` : ''}`);
      } else if (tcpPools.has(raw.pool)) err(`${at}.pool`, `pool ${q(raw.pool)} serves a tcp service and has tcp:// backends`);
    }
    const { pool: routePool, actions } = routeActions(problems, r, at);
    routes.push({ name, index: i, match: (isObj(raw.match) ? raw.match : {}) as N.Route['match'], pool: routePool, caseInsensitive: r.caseInsensitive ?? false, actions });
    const rl = rateSpec(r.rateLimit, aff.store, `${at}.rateLimit`, err);
    if (rl !== undefined) routes[routes.length - 1]!.rateLimit = rl;
  });

  tcp.forEach((t, i) => {
    const p = pools[t.pool];
    if (isObj(rawPools) && !(t.pool in rawPools)) err(`tcp[${i}].pool`, `pool ${q(t.pool)} is not defined in pools`);
    else if (p && HASHING_ONLY_HTTP.has(p.hashKey.kind) && getScheduler(p.scheduler)?.hashing) {
      // raw TCP has no path or headers: hashing schedulers (dh, sh, mh, …) hash the client address
      if ((rawPools as Obj)[t.pool] && ((rawPools as Obj)[t.pool] as Obj).hashKey !== undefined) err(`pools.${t.pool}.hashKey`, `a tcp service can only hash on 'client-ip'`);
      else p.hashKey = { kind: 'client-ip' };
    }
  });
  // Two sockets clash on one port when their hosts are equal or either is a wildcard address.
  const bound: { host: string; port: number; at: string }[] = [];
  const wildcard = (h: string) => h === '0.0.0.0' || h === '::' || h === '[::]';
  const seePort = (l: { host: string; port: number }, at: string) => {
    if (l.port === 0) return;
    const other = bound.find((b) => b.port === l.port && (b.host === l.host || wildcard(b.host) || wildcard(l.host)));
    if (other) err(at, `port ${l.port} on ${l.host} clashes with ${other.at} (${other.host}:${other.port})`);
    bound.push({ host: l.host, port: l.port, at });
  };
  listens.forEach((l, i) => seePort(l, Array.isArray(input.listen) ? `listen[${i}]` : 'listen'));
  tcp.forEach((t, i) => seePort(t.listen, `tcp[${i}].listen`));
  if (admin) seePort(admin, 'admin');

  if (problems.length > 0) return { config: undefined, problems };
  const workers = c.workers === 'auto' ? 0 : c.workers;
  return {
    config: { listen: listens, admin, affinity: aff, learnMime: c.learnMime, workers, log, pools, routes, tcp, requestId: requestIdOf(c.requestId) },
    problems: [],
  };
}

