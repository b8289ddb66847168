// Validates a raw config object: collects every problem with its key path, fills defaults, and
// returns the normalized config. Never throws on bad input; the caller decides what to do.
import picomatch from 'picomatch';
import { getScheduler, schedulerNames } from '../schedulers/registry.js';
import type { Problem } from '../schedulers/types.js';
import type * as N from './normalized.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegExp);
const q = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v instanceof RegExp ? String(v) : JSON.stringify(v));

class V {
  readonly problems: Problem[] = [];
  err(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  keys(o: Obj, at: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.err(`${at}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
    }
  }
  int(o: Obj, k: string, at: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.err(`${at}.${k}`, `must be an integer, got ${q(v)}`);
      return def;
    }
    if (v < min || v > max) {
      this.err(`${at}.${k}`, v < min ? `must be ≥ ${min}, got ${v}` : `must be ≤ ${max}, got ${v}`);
      return def;
    }
    return v;
  }
  bool(o: Obj, k: string, at: string, def: boolean): boolean {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      this.err(`${at}.${k}`, `must be true or false, got ${q(v)}`);
      return def;
    }
    return v;
  }
  str(o: Obj, k: string, at: string, def: string): string {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'string' || v === '') {
      this.err(`${at}.${k}`, `must be a non-empty string, got ${q(v)}`);
      return def;
    }
    return v;
  }
}

const LIMIT_DEFAULTS = {
  headersTimeout: 10_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16_384,
  maxConnections: 10_000,
  bodyTimeout: 30_000,
  maxHeaderCount: 100,
} as const;
const LIMIT_MIN: Partial<Record<keyof typeof LIMIT_DEFAULTS, number>> = { maxHeaderSize: 1024, maxHeaderCount: 1, bodyTimeout: 1 };

const POOL_KEYS = [
  'scheduler', 'backends', 'hashKey', 'timeout', 'connectTimeout', 'retries', 'learnMime',
  'affinity', 'health', 'slowStart', 'sendProxy', 'outlier', 'maxEjectPercent',
] as const;

const MATCH_KEYS = ['path', 'mime', 'headers', 'method', 'host', 'query'] as const;

function isCidr(s: string): boolean {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const bits = Number(m[2]);
  return m[1]!.includes(':') ? bits <= 128 : bits <= 32 && /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]!);
}

/** `true`, `false` or a list of CIDRs (trustProxy, acceptProxy). */
function boolOrCidrs(v: V, raw: Obj, k: string, at: string): boolean | string[] {
  const val = raw[k];
  if (val === undefined) return false;
  if (typeof val === 'boolean') return val;
  if (Array.isArray(val)) {
    const out: string[] = [];
    val.forEach((c, i) => {
      if (typeof c === 'string' && isCidr(c)) out.push(c);
      else v.err(`${at}.${k}[${i}]`, `must be a CIDR like "10.0.0.0/8", got ${q(c)}`);
    });
    return out;
  }
  v.err(`${at}.${k}`, 'must be true, false or a list of CIDRs');
  return false;
}

function nonEmpty(v: V, x: boolean | string[], at: string): boolean | string[] {
  if (Array.isArray(x) && x.length === 0) v.err(at, 'must list at least one CIDR (or be false)');
  return x;
}

function listen(v: V, raw: unknown, at: string, defPort: number): N.Listen | undefined {
  if (!isObj(raw)) {
    v.err(at, `must be an object like { host: '0.0.0.0', port: ${defPort} }`);
    return undefined;
  }
  v.keys(raw, at, ['host', 'port', 'limits', 'trustProxy', 'acceptProxy', 'allowUnderscoreHeaders', 'mergeSlashes']);
  const port = v.int(raw, 'port', at, defPort, 0, 65535);
  const host = v.str(raw, 'host', at, '0.0.0.0');
  const limits: N.Limits = { ...LIMIT_DEFAULTS, maxBodySize: undefined };
  if (raw.limits !== undefined) {
    if (!isObj(raw.limits)) v.err(`${at}.limits`, 'must be an object');
    else {
      v.keys(raw.limits, `${at}.limits`, [...Object.keys(LIMIT_DEFAULTS), 'maxBodySize']);
      for (const k of Object.keys(LIMIT_DEFAULTS) as (keyof typeof LIMIT_DEFAULTS)[]) {
        limits[k] = v.int(raw.limits, k, `${at}.limits`, LIMIT_DEFAULTS[k], LIMIT_MIN[k] ?? 0);
      }
      if (raw.limits.maxBodySize !== undefined) limits.maxBodySize = v.int(raw.limits, 'maxBodySize', `${at}.limits`, 0, 0);
    }
  }
  return {
    host, port, limits,
    trustProxy: boolOrCidrs(v, raw, 'trustProxy', at),
    acceptProxy: nonEmpty(v, boolOrCidrs(v, raw, 'acceptProxy', at), `${at}.acceptProxy`),
    allowUnderscoreHeaders: v.bool(raw, 'allowUnderscoreHeaders', at, false),
    mergeSlashes: v.bool(raw, 'mergeSlashes', at, true),
  };
}

/** A list of host names or addresses (no port), lower-cased. */
function hostList(v: V, raw: unknown, at: string): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    v.err(at, 'must be a list of host names like ["admin.example.net"]');
    return [];
  }
  const out: string[] = [];
  raw.forEach((h, i) => {
    if (typeof h === 'string' && /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.:-]+)$/.test(h) && h !== '') out.push(h.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
    else v.err(`${at}[${i}]`, `must be a host name or address without port, got ${q(h)}`);
  });
  return out;
}

function backend(v: V, raw: unknown, at: string, tcp: boolean): N.Backend | undefined {
  let url: unknown = raw;
  let weight = 1;
  if (isObj(raw)) {
    v.keys(raw, at, ['url', 'weight']);
    url = raw.url;
    weight = v.int(raw, 'weight', at, 1, 0, 65535);
  }
  if (typeof url !== 'string') {
    v.err(isObj(raw) ? `${at}.url` : at, `must be a URL string like "http://127.0.0.1:9101", got ${q(url)}`);
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    v.err(isObj(raw) ? `${at}.url` : at, `bad URL ${q(url)}`);
    return undefined;
  }
  const okProto = tcp ? ['tcp:'] : ['http:', 'https:'];
  if (!okProto.includes(u.protocol)) {
    v.err(isObj(raw) ? `${at}.url` : at, `bad URL ${q(url)}: scheme must be ${okProto.map((p) => p.slice(0, -1)).join(' or ')}`);
    return undefined;
  }
  if (u.pathname !== '/' && u.pathname !== '' || u.search || u.hash || u.username) {
    v.err(isObj(raw) ? `${at}.url` : at, `bad URL ${q(url)}: a backend URL is scheme://host:port only`);
    return undefined;
  }
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  if (tcp && !u.port) {
    v.err(isObj(raw) ? `${at}.url` : at, `bad URL ${q(url)}: tcp backends need a port`);
    return undefined;
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const id = `${u.hostname}:${port}`;
  return { id, url: `${u.protocol}//${u.hostname}:${port}`, protocol: u.protocol as N.Backend['protocol'], host, port, weight };
}

export function parseHashKey(s: string): N.HashKeySpec | undefined {
  if (s === 'path' || s === 'url' || s === 'client-ip') return { kind: s };
  const m = /^(header|cookie):(.+)$/.exec(s);
  if (m) return m[1] === 'header' ? { kind: 'header', name: m[2]!.toLowerCase() } : { kind: 'cookie', name: m[2]! };
  return undefined;
}

function health(v: V, raw: unknown, at: string): N.Health | undefined {
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    v.err(at, 'must be an object like { path: "/healthz", interval: 2000 }');
    return undefined;
  }
  v.keys(raw, at, ['type', 'path', 'expect', 'interval', 'timeout', 'rise', 'fall', 'host', 'initial']);
  const initial = raw.initial ?? 'up';
  if (initial !== 'up' && initial !== 'down') v.err(`${at}.initial`, `must be "up" or "down", got ${q(initial)}`);
  const type = raw.type ?? 'http';
  if (type !== 'http' && type !== 'tcp') v.err(`${at}.type`, `must be "http" or "tcp", got ${q(type)}`);
  const path = v.str(raw, 'path', at, '/');
  if (!path.startsWith('/')) v.err(`${at}.path`, `must start with "/", got ${q(path)}`);
  let expect: [number, number][] = [[200, 399]];
  if (raw.expect !== undefined) {
    if (Array.isArray(raw.expect) && raw.expect.length > 0 && raw.expect.every((c) => Number.isInteger(c) && c >= 100 && c <= 599)) {
      expect = (raw.expect as number[]).map((c) => [c, c]);
    } else if (typeof raw.expect === 'string' && /^\d{3}-\d{3}$/.test(raw.expect)) {
      const [lo, hi] = raw.expect.split('-').map(Number) as [number, number];
      if (lo > hi) v.err(`${at}.expect`, `range ${q(raw.expect)} is empty`);
      expect = [[lo, hi]];
    } else v.err(`${at}.expect`, `must be a list of status codes or a range like "200-399", got ${q(raw.expect)}`);
  }
  const interval = v.int(raw, 'interval', at, 2000, 50);
  const timeout = v.int(raw, 'timeout', at, Math.min(1000, interval), 1);
  const host = raw.host === undefined ? undefined : v.str(raw, 'host', at, '');
  return {
    type: type === 'tcp' ? 'tcp' : 'http', path, expect, interval, timeout,
    rise: v.int(raw, 'rise', at, 2, 1, 100), fall: v.int(raw, 'fall', at, 3, 1, 100), host,
    initial: initial === 'down' ? 'down' : 'up',
  };
}

function affinityMode(v: V, raw: unknown, at: string): N.Affinity {
  if (raw === undefined) return 'none';
  if (raw === 'none' || raw === 'connection' || raw === 'client' || raw === 'cookie') return raw;
  if (isObj(raw) && typeof raw.header === 'string' && raw.header !== '' && Object.keys(raw).length === 1) {
    return { header: raw.header.toLowerCase() };
  }
  v.err(at, `must be 'none', 'connection', 'client', 'cookie' or { header: '<name>' }, got ${q(raw)}`);
  return 'none';
}

function pool(v: V, name: string, raw: unknown, tcpPool: boolean): N.Pool | undefined {
  const at = `pools.${name}`;
  if (!isObj(raw)) {
    v.err(at, 'must be an object with `backends`');
    return undefined;
  }
  const schedName = raw.scheduler ?? 'wlc';
  const def = typeof schedName === 'string' ? getScheduler(schedName) : undefined;
  if (!def) {
    v.err(`${at}.scheduler`, `unknown scheduler ${q(schedName)}; expected one of ${schedulerNames().join(', ')}`);
  }
  const allowed: string[] = [...POOL_KEYS, ...(def?.params ?? [])];
  if (def) v.keys(raw, at, allowed);
  const rawParams: Record<string, unknown> = {};
  for (const p of def?.params ?? []) if (raw[p] !== undefined) rawParams[p] = raw[p];
  const params = def ? def.parse(rawParams, at, v.problems) : null;

  const backends: N.Backend[] = [];
  if (!Array.isArray(raw.backends)) v.err(`${at}.backends`, 'must be a list of backend URLs or { url, weight }');
  else {
    const seen = new Map<string, number>();
    raw.backends.forEach((b, i) => {
      const nb = backend(v, b, `${at}.backends[${i}]`, tcpPool);
      if (!nb) return;
      const prev = seen.get(nb.id);
      if (prev !== undefined) v.err(`${at}.backends[${i}]`, `duplicate backend ${nb.id} (also at backends[${prev}])`);
      else {
        seen.set(nb.id, i);
        backends.push(nb);
      }
    });
  }
  let hashKey: N.HashKeySpec = parseHashKey(def?.defaultHashKey ?? 'path')!;
  if (raw.hashKey !== undefined) {
    const hk = typeof raw.hashKey === 'string' ? parseHashKey(raw.hashKey) : undefined;
    if (!hk) v.err(`${at}.hashKey`, `must be 'path', 'url', 'client-ip', 'header:<name>' or 'cookie:<name>', got ${q(raw.hashKey)}`);
    else hashKey = hk;
  }
  const sendProxy = raw.sendProxy;
  if (sendProxy !== undefined && sendProxy !== 'v1' && sendProxy !== 'v2') v.err(`${at}.sendProxy`, `must be 'v1' or 'v2', got ${q(sendProxy)}`);
  const outlier: N.Outlier = { consecutiveFailures: 5, baseEjectionTime: 30_000, maxEjectionTime: 300_000, maxEjectPercent: 50 };
  if (raw.outlier !== undefined) {
    if (!isObj(raw.outlier)) v.err(`${at}.outlier`, 'must be an object like { consecutiveFailures: 5, baseEjectionTime: 30000 }');
    else {
      v.keys(raw.outlier, `${at}.outlier`, ['consecutiveFailures', 'baseEjectionTime', 'maxEjectionTime']);
      outlier.consecutiveFailures = v.int(raw.outlier, 'consecutiveFailures', `${at}.outlier`, 5, 0);
      outlier.baseEjectionTime = v.int(raw.outlier, 'baseEjectionTime', `${at}.outlier`, 30_000, 1);
      outlier.maxEjectionTime = v.int(raw.outlier, 'maxEjectionTime', `${at}.outlier`, 300_000, 1);
    }
  }
  outlier.maxEjectPercent = v.int(raw, 'maxEjectPercent', at, 50, 0, 100);
  return {
    name,
    scheduler: def?.name ?? 'wlc',
    params,
    rawParams,
    hashKey,
    timeout: v.int(raw, 'timeout', at, 30_000, 1),
    connectTimeout: v.int(raw, 'connectTimeout', at, 2_000, 1),
    retries: v.int(raw, 'retries', at, 2, 0, 10),
    learnMime: v.bool(raw, 'learnMime', at, false),
    affinity: affinityMode(v, raw.affinity, `${at}.affinity`),
    health: health(v, raw.health, `${at}.health`),
    outlier,
    slowStart: v.int(raw, 'slowStart', at, 0, 0),
    sendProxy: sendProxy === 'v1' || sendProxy === 'v2' ? sendProxy : undefined,
    backends,
  };
}

function globList(v: V, raw: unknown, at: string, what: string): void {
  const list = Array.isArray(raw) ? raw : [raw];
  if (Array.isArray(raw) && raw.length === 0) v.err(at, `must not be an empty list`);
  list.forEach((g, i) => {
    const p = Array.isArray(raw) ? `${at}[${i}]` : at;
    if (typeof g !== 'string' || g === '') {
      v.err(p, `must be a ${what} glob string, got ${q(g)}`);
      return;
    }
    try {
      picomatch.makeRe(g, { strictBrackets: true });
    } catch (e) {
      v.err(p, `bad glob ${q(g)}: ${(e as Error).message}`);
    }
  });
}

function match(v: V, raw: unknown, at: string): void {
  if (raw === undefined) return;
  if (!isObj(raw)) {
    v.err(at, 'must be an object');
    return;
  }
  v.keys(raw, at, MATCH_KEYS);
  if (raw.path !== undefined) {
    globList(v, raw.path, `${at}.path`, 'path');
    const list = Array.isArray(raw.path) ? raw.path : [raw.path];
    list.forEach((g, i) => {
      if (typeof g === 'string' && !g.startsWith('/') && !g.startsWith('*') && !g.startsWith('!') && !g.startsWith('{')) {
        v.err(Array.isArray(raw.path) ? `${at}.path[${i}]` : `${at}.path`, `path globs start with "/" or "**", got ${q(g)}`);
      }
    });
  }
  if (raw.mime !== undefined) globList(v, raw.mime, `${at}.mime`, 'MIME type');
  if (raw.host !== undefined) globList(v, raw.host, `${at}.host`, 'host');
  if (raw.method !== undefined) {
    const list = Array.isArray(raw.method) ? raw.method : [raw.method];
    list.forEach((m, i) => {
      if (typeof m !== 'string' || !/^[A-Za-z!#$%&'*+.^_`|~0-9-]+$/.test(m)) {
        v.err(Array.isArray(raw.method) ? `${at}.method[${i}]` : `${at}.method`, `must be an HTTP method name, got ${q(m)}`);
      }
    });
  }
  if (raw.headers !== undefined) {
    if (!isObj(raw.headers)) v.err(`${at}.headers`, 'must be an object of header name → string, RegExp, true or false');
    else
      for (const [k, hv] of Object.entries(raw.headers)) {
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) v.err(`${at}.headers.${k}`, 'is not a valid header name');
        if (!(typeof hv === 'string' || typeof hv === 'boolean' || hv instanceof RegExp)) {
          v.err(`${at}.headers.${k}`, `must be a string, RegExp, true or false, got ${q(hv)}`);
        }
      }
  }
  if (raw.query !== undefined) {
    if (!isObj(raw.query)) v.err(`${at}.query`, 'must be an object of parameter name → string or RegExp');
    else
      for (const [k, qv] of Object.entries(raw.query)) {
        if (!(typeof qv === 'string' || qv instanceof RegExp)) v.err(`${at}.query.${k}`, `must be a string or RegExp, got ${q(qv)}`);
      }
  }
}

const HASHING_ONLY_HTTP = new Set(['path', 'url', 'header', 'cookie']);

export function validate(input: unknown): { config: N.Config | undefined; problems: Problem[] } {
  const v = new V();
  if (!isObj(input)) {
    v.err('(root)', 'the config must export default an object with `pools` and `routes`');
    return { config: undefined, problems: v.problems };
  }
  v.keys(input, '(root)', ['listen', 'admin', 'affinity', 'learnMime', 'workers', 'log', 'pools', 'routes', 'tcp']);

  const listens: N.Listen[] = [];
  if (input.listen === undefined) listens.push(listen(v, { port: 8080 }, 'listen', 8080)!);
  else if (Array.isArray(input.listen)) {
    if (input.listen.length === 0) v.err('listen', 'must not be an empty list');
    input.listen.forEach((l, i) => {
      const nl = listen(v, l, `listen[${i}]`, 8080);
      if (nl) listens.push(nl);
    });
  } else {
    const nl = listen(v, input.listen, 'listen', 8080);
    if (nl) listens.push(nl);
  }

  let admin: N.Config['admin'] = { host: '127.0.0.1', port: 9090, token: undefined, allowedHosts: [] };
  if (input.admin === false) admin = false;
  else if (input.admin !== undefined) {
    if (!isObj(input.admin)) v.err('admin', 'must be an object like { host, port, token } or false');
    else {
      v.keys(input.admin, 'admin', ['host', 'port', 'token', 'allowedHosts']);
      const token = input.admin.token;
      if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
        v.err('admin.token', 'must be a string of at least 8 characters (or undefined for no token)');
      }
      admin = {
        host: v.str(input.admin, 'host', 'admin', '127.0.0.1'),
        port: v.int(input.admin, 'port', 'admin', 9090, 0, 65535),
        token: typeof token === 'string' && token.length >= 8 ? token : undefined,
        allowedHosts: hostList(v, input.admin.allowedHosts, 'admin.allowedHosts'),
      };
    }
  }

  const aff: N.AffinitySettings = { timeout: 300, netmask: 32, maxEntries: 1_000_000, store: 'memory', cookieSecret: undefined, expireQuiescentTemplate: false };
  if (input.affinity !== undefined) {
    if (!isObj(input.affinity)) v.err('affinity', 'must be an object like { timeout: 300, netmask: 32 }');
    else {
      const a = input.affinity;
      v.keys(a, 'affinity', ['timeout', 'netmask', 'maxEntries', 'store', 'cookieSecret', 'expireQuiescentTemplate']);
      aff.timeout = v.int(a, 'timeout', 'affinity', 300, 1);
      aff.netmask = v.int(a, 'netmask', 'affinity', 32, 0, 128);
      aff.maxEntries = v.int(a, 'maxEntries', 'affinity', 1_000_000, 1);
      aff.store = v.str(a, 'store', 'affinity', 'memory');
      if (aff.store !== 'memory' && !/^rediss?:\/\//.test(aff.store)) v.err('affinity.store', `must be 'memory' or a redis:// URL, got ${q(aff.store)}`);
      aff.cookieSecret = a.cookieSecret === undefined ? undefined : v.str(a, 'cookieSecret', 'affinity', '');
      aff.expireQuiescentTemplate = v.bool(a, 'expireQuiescentTemplate', 'affinity', false);
    }
  }

  let workers = 1;
  if (input.workers !== undefined) {
    if (input.workers === 'auto') workers = 0;
    else workers = v.int(input, 'workers', '(root)', 1, 1, 256);
  }

  const log = { level: 'info', access: true };
  if (input.log !== undefined) {
    if (!isObj(input.log)) v.err('log', 'must be an object like { level: "info", access: true }');
    else {
      v.keys(input.log, 'log', ['level', 'access']);
      const lv = input.log.level ?? 'info';
      if (typeof lv !== 'string' || !['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(lv)) {
        v.err('log.level', `must be one of fatal, error, warn, info, debug, trace, silent, got ${q(lv)}`);
      } else log.level = lv;
      log.access = v.bool(input.log, 'access', 'log', true);
    }
  }

  // TCP services decide which pools hold tcp:// backends.
  const tcpPools = new Set<string>();
  const tcp: N.TcpService[] = [];
  if (input.tcp !== undefined) {
    if (!Array.isArray(input.tcp)) v.err('tcp', 'must be a list of { listen, pool }');
    else
      input.tcp.forEach((t, i) => {
        const at = `tcp[${i}]`;
        if (!isObj(t)) return v.err(at, 'must be an object like { listen: { port: 5433 }, pool: "pg" }');
        v.keys(t, at, ['name', 'listen', 'pool', 'idleTimeout', 'finTimeout']);
        const l = listen(v, t.listen, `${at}.listen`, 0);
        const idleTimeout = v.int(t, 'idleTimeout', at, 900_000, 1);
        const finTimeout = v.int(t, 'finTimeout', at, 120_000, 1);
        if (typeof t.pool !== 'string') return v.err(`${at}.pool`, 'must name a pool');
        tcpPools.add(t.pool);
        if (l) tcp.push({ name: typeof t.name === 'string' ? t.name : `tcp${i}`, listen: l, pool: t.pool, idleTimeout, finTimeout });
      });
  }

  const pools: Record<string, N.Pool> = {};
  if (!isObj(input.pools) || Object.keys(input.pools).length === 0) v.err('pools', 'must be an object with at least one pool');
  else
    for (const [name, raw] of Object.entries(input.pools)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) v.err(`pools.${name}`, 'pool names use letters, digits, "_", "." and "-" only');
      const p = pool(v, name, raw, tcpPools.has(name));
      if (p) pools[name] = p;
    }

  const routes: N.Route[] = [];
  const names = new Set<string>();
  if (!Array.isArray(input.routes)) v.err('routes', 'must be a list of { name, match, pool }');
  else
    input.routes.forEach((r, i) => {
      const at = `routes[${i}]`;
      if (!isObj(r)) return v.err(at, 'must be an object like { match: { path: "/img/**" }, pool: "images" }');
      v.keys(r, at, ['name', 'match', 'pool', 'caseInsensitive']);
      const name = r.name === undefined ? `route${i}` : typeof r.name === 'string' && r.name ? r.name : (v.err(`${at}.name`, 'must be a non-empty string'), `route${i}`);
      if (names.has(name)) v.err(`${at}.name`, `duplicate route name ${q(name)}`);
      names.add(name);
      if (typeof r.pool !== 'string') v.err(`${at}.pool`, 'must name a pool');
      else if (isObj(input.pools) && !(r.pool in input.pools)) v.err(`${at}.pool`, `pool ${q(r.pool)} is not defined in pools`);
      else if (tcpPools.has(r.pool)) v.err(`${at}.pool`, `pool ${q(r.pool)} serves a tcp service and has tcp:// backends`);
      match(v, r.match, `${at}.match`);
      const caseInsensitive = v.bool(r, 'caseInsensitive', at, false);
      routes.push({ name, index: i, match: (isObj(r.match) ? r.match : {}) as N.Route['match'], pool: String(r.pool), caseInsensitive });
    });

  for (const t of tcp) {
    const p = pools[t.pool];
    const i = tcp.indexOf(t);
    if (isObj(input.pools) && !(t.pool in input.pools)) v.err(`tcp[${i}].pool`, `pool ${q(t.pool)} is not defined in pools`);
    else if (p && HASHING_ONLY_HTTP.has(p.hashKey.kind) && getScheduler(p.scheduler)?.hashing) {
      // raw TCP has no path or headers: hashing schedulers (dh, sh, mh, …) hash the client address
      const raw = (input.pools as Obj)[t.pool] as Obj;
      if (raw.hashKey !== undefined) v.err(`pools.${t.pool}.hashKey`, `a tcp service can only hash on 'client-ip'`);
      else p.hashKey = { kind: 'client-ip' };
    }
  }
  // Two sockets clash on one port when their hosts are equal or either is a wildcard address.
  const bound: { host: string; port: number; at: string }[] = [];
  const wildcard = (h: string) => h === '0.0.0.0' || h === '::' || h === '[::]';
  const seePort = (l: { host: string; port: number }, at: string) => {
    if (l.port === 0) return;
    const other = bound.find((b) => b.port === l.port && (b.host === l.host || wildcard(b.host) || wildcard(l.host)));
    if (other) v.err(at, `port ${l.port} on ${l.host} clashes with ${other.at} (${other.host}:${other.port})`);
    bound.push({ host: l.host, port: l.port, at });
  };
  listens.forEach((l, i) => seePort(l, Array.isArray(input.listen) ? `listen[${i}]` : 'listen'));
  tcp.forEach((t, i) => seePort(t.listen, `tcp[${i}].listen`));
  if (admin) seePort(admin, 'admin');

  if (v.problems.length > 0) return { config: undefined, problems: v.problems };
  return {
    config: { listen: listens, admin, affinity: aff, learnMime: input.learnMime === true, workers, log, pools, routes, tcp },
    problems: [],
  };
}
