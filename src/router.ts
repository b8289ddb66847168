// The router: the current config snapshot, the pools' runtime state, the listeners, and the
// functions the admin API, CLI and health checks call. Requests read `current` once and keep it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Config, Listen } from './config/normalized.js';
import { loadConfig } from './config/load.js';
import { loadOffThread } from './config/off-thread.js';
import { poolHints } from './pools/prebuild.js';
import { withPrebuilt } from './schedulers/prebuilt.js';
import { EventBus } from './events.js';
import { Matcher } from './match/compile.js';
import { RequestFacts } from './match/facts.js';
import { LearnedMime } from './match/mime.js';
import { BadPath, normalizeTarget } from './match/normalize.js';
import type { BackendState } from './pools/backend.js';
import { hashKeyOf } from './pools/hash-key.js';
import { PoolControl } from './pools/control.js';
import { PoolRuntime } from './pools/pool.js';
import { reconcilePools } from './pools/reconcile.js';
import { cidrMatcher } from './proxy/cidr.js';
import { decide } from './proxy/decide.js';
import { Exchange, type AccessRecord, type UpstreamResult } from './proxy/exchange.js';
import { clientFromXff } from './proxy/headers.js';
import { checkRequest, type Rejection } from './proxy/request-check.js';
import { sendError } from './proxy/respond.js';
import { afterAnswers, hasServed, inTurn } from './proxy/serial.js';
import { UpgradeExchange } from './proxy/upgrade.js';
import { errorResponse, plainResponse, upgradeBodyRefusal } from './proxy/upgrade-head.js';
import { Upstreams } from './proxy/upstream.js';
import { ConfigError } from './errors.js';
import { HealthManager } from './health/manager.js';
import cluster from 'node:cluster';
import { AffinityCore } from './affinity/core.js';
import { connectionEnds } from './proxy-protocol/accept.js';
import { proxyFront } from './proxy-protocol/front.js';
import { TcpServices } from './tcp/services.js';
import { ProxiedUpstreams } from './proxy-protocol/upstreams.js';

export interface Snapshot {
  readonly config: Config;
  readonly matcher: Matcher;
  readonly version: number;
}

export interface ReloadResult {
  ok: boolean;
  problems: { path: string; message: string }[];
  changes: string[];
  files: string[];
}

export interface RouterOptions {
  /** Config file, for reload. */
  file?: string;
  logger?: Logger;
}

export interface ExplainInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  clientIp?: string;
}

export interface Explanation {
  method: string;
  path: string | undefined;
  status: number;
  error?: string;
  mime?: { type: string | undefined; source: string };
  route?: { name: string; index: number; match: string };
  tried: { route: string; matched: boolean; failed?: string; detail: string }[];
  pool?: { name: string; scheduler: string; hashKey: string; key: string | undefined };
  backend?: { id: string; url: string; state: string; weight: number } | null;
  reason?: string;
  /** The pool's affinity pin for this request: read, never created, by explain. */
  affinity?: { kind: string; client: string; pinned: boolean };
}

/** node:http's period for checking headersTimeout and requestTimeout (its default is 30 s). */
const CHECK_EVERY_MS = 500;

/** Sockets node:http handed to the upgrade handler (no longer HTTP). */
const upgraded = new WeakSet<Duplex>();

/** Safe-to-share view of one listener's trust rule. */
interface ListenerCtx {
  listen: Listen;
  isTrusted: (ip: string) => boolean;
}

export class Router {
  current: Snapshot;
  readonly pools = new Map<string, PoolRuntime>();
  readonly events = new EventBus();
  readonly learned = new LearnedMime();
  readonly upstreams = new Upstreams();
  /** sendProxy pools: upstream connections private to one client connection. */
  readonly proxied = new ProxiedUpstreams();
  /** Runtime changes: add, remove, re-weight, drain, disable, enable. */
  readonly control = new PoolControl(this.pools, this.events);
  readonly log: Logger;
  readonly file: string | undefined;
  readonly servers: Server[] = [];
  closing = false;
  /** Observers of finished requests (access log, metrics, stats). */
  readonly requestObservers: ((r: AccessRecord) => void)[] = [];
  /** Observers of each upstream attempt's outcome (passive health checks). */
  readonly upstreamObservers: ((pool: PoolRuntime, b: BackendState, r: UpstreamResult) => void)[] = [];
  private readonly sockets = new Set<Socket>();
  /** Raw TCP virtual services (config `tcp`), started by listen(). */
  readonly tcp: TcpServices = new TcpServices(this);
  /** `acceptProxy` listeners: net servers that read the PROXY header, then hand over to node:http. */
  private readonly fronts: NetServer[] = [];
  /** Active checks, passive ejection and slow start; runs while the router listens. */
  readonly health: HealthManager = new HealthManager(this);
  /** Reloads run one at a time, in the order they were asked for. */
  private reloading: Promise<unknown> = Promise.resolve();
  /** The process-wide affinity table (connection entries, templates, cookie and header pins). */
  readonly affinity: AffinityCore;

  constructor(config: Config, opts: RouterOptions = {}) {
    this.file = opts.file;
    this.log = opts.logger ?? pino({ level: config.log.level }, pino.destination({ sync: false }));
    this.current = { config, matcher: new Matcher(config.routes), version: 1 };
    this.affinity = new AffinityCore(config.affinity, this.log, { consistent: cluster.isWorker });
    this.events.on('backend.removed', (e) => {
      this.affinity.table.forgetBackend(e.pool, e.backend);
      // close the removed backend's idle upstream connections unless another pool still uses it
      this.releaseUpstreams();
    });
    this.control.pinned = (pool, backend) => this.affinity.table.liveConnections(pool, backend);
    const now = Date.now();
    for (const spec of Object.values(config.pools)) this.pools.set(spec.name, new PoolRuntime(spec, now));
    if (config.log.access) {
      const log = this.log;
      this.requestObservers.push((r) => log.info(r, 'request'));
    }
  }

  static async fromFile(file: string, opts: Omit<RouterOptions, 'file'> = {}): Promise<Router> {
    return new Router(await loadConfig(file), { ...opts, file });
  }

  // ---- data plane ----

  requestDone(r: AccessRecord): void {
    const obs = this.requestObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!(r);
  }

  upstreamResult(pool: PoolRuntime, b: BackendState, r: UpstreamResult): void {
    const obs = this.upstreamObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!(pool, b, r);
  }

  private clientIp(req: IncomingMessage, l: ListenerCtx): { ip: string; peer: string; trusted: boolean } {
    // acceptProxy: the client named by the PROXY header, not the balancer in front
    let ip = l.listen.acceptProxy ? connectionEnds(req.socket).source.address : req.socket.remoteAddress ?? '';
    if (ip.startsWith('::ffff:')) ip = ip.slice(7);
    const peer = ip;
    const trusted = l.listen.trustProxy !== false && l.isTrusted(ip);
    if (trusted) {
      const xff = req.headers['x-forwarded-for'];
      const fromXff = xff ? clientFromXff(Array.isArray(xff) ? xff.join(',') : xff, l.isTrusted) : undefined;
      if (fromXff) ip = fromXff;
    }
    return { ip, peer, trusted };
  }

  /** Bad version, too many headers, smuggling shapes, bad Host: refused, never forwarded (proxy/request-check.ts). */
  private badFraming(req: IncomingMessage, l: ListenerCtx): Rejection | undefined {
    return checkRequest(req.httpVersionMajor, req.httpVersionMinor, req.rawHeaders, l.listen.limits.maxHeaderCount, req.url);
  }

  handle(req: IncomingMessage, res: ServerResponse, l: ListenerCtx): void {
    // pipelined requests: one at a time per connection, in order (proxy/serial.ts)
    inTurn(req, res, () => this.serve(req, res, l));
  }

  private serve(req: IncomingMessage, res: ServerResponse, l: ListenerCtx): void {
    if (res.destroyed) return;
    // Shutting down: a request that was already on its way over a kept-alive connection is still
    // served, with `Connection: close`, so the client loses nothing.
    if (this.closing) res.setHeader('connection', 'close');
    const bad = this.badFraming(req, l);
    if (bad !== undefined) {
      res.setHeader('connection', 'close');
      sendError(res, bad.code, undefined, bad.detail);
      req.socket.destroySoon?.();
      return;
    }
    const snap = this.current;
    let path: string;
    let search: string;
    try {
      ({ path, search } = normalizeTarget(req.url!, { mergeSlashes: l.listen.mergeSlashes }));
    } catch (e) {
      if (!(e instanceof BadPath)) throw e;
      return sendError(res, 'SY_ERR_BAD_PATH', undefined, e.message);
    }
    const facts = new RequestFacts(req.method!, path, search, req.headers, this.learned);
    const route = snap.matcher.match(facts);
    const { ip, peer, trusted } = this.clientIp(req, l);
    if (route === null) {
      sendError(res, 'SY_ERR_NO_ROUTE');
      this.requestDone({ method: req.method!, path, status: 404, route: undefined, pool: undefined, backend: undefined, clientIp: ip, ms: 0, attempts: 0, error: 'SY_ERR_NO_ROUTE' });
      return;
    }
    const max = l.listen.limits.maxBodySize;
    if (max !== undefined && Number(req.headers['content-length'] ?? 0) > max) {
      // refused before anything is forwarded; the unread body makes the connection unusable
      res.shouldKeepAlive = false;
      sendError(res, 'SY_ERR_BODY_TOO_LARGE', undefined, `the limit is ${max} bytes`);
      this.requestDone({ method: req.method!, path, status: 413, route: route.name, pool: route.pool, backend: undefined, clientIp: ip, ms: 0, attempts: 0, error: 'SY_ERR_BODY_TOO_LARGE' });
      return;
    }
    const pool = this.pools.get(route.pool)!;
    const ex = new Exchange(this, req, res, route, pool, facts, ip, trusted, peer, l.listen.limits, l.listen.allowUnderscoreHeaders);
    if (pool.spec.affinity !== 'none') ex.aff = this.affinity.input(pool, req.socket, req.headers);
    ex.run();
  }

  /** Upgrade requests: refused, answered or handed to an UpgradeExchange (proxy/upgrade.ts). */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, l: ListenerCtx, server: Server): void {
    const reject = (text: string) => {
      socket.on('error', () => undefined);
      socket.end(text);
    };
    if (this.closing) return reject(plainResponse(503, '503 router is shutting down\n'));
    const bad = this.badFraming(req, l);
    if (bad !== undefined) return reject(errorResponse(bad.code, bad.detail));
    const withBody = upgradeBodyRefusal(req.headers);
    if (withBody !== undefined) return reject(errorResponse('SY_ERR_BAD_REQUEST', withBody));
    let t;
    try {
      t = normalizeTarget(req.url!, { mergeSlashes: l.listen.mergeSlashes });
    } catch (e) {
      if (!(e instanceof BadPath)) throw e;
      return reject(errorResponse('SY_ERR_BAD_PATH', e.message));
    }
    const facts = new RequestFacts(req.method!, t.path, t.search, req.headers, this.learned);
    const route = this.current.matcher.match(facts);
    const { ip, peer, trusted } = this.clientIp(req, l);
    if (!route) {
      reject(errorResponse('SY_ERR_NO_ROUTE'));
      this.requestDone({ method: req.method!, path: t.path, status: 404, route: undefined, pool: undefined, backend: undefined, clientIp: ip, ms: 0, attempts: 0, error: 'SY_ERR_NO_ROUTE' });
      return;
    }
    const pool = this.pools.get(route.pool)!;
    const ex = new UpgradeExchange(this, req, socket, head, route, pool, facts, ip, trusted, peer, server);
    if (pool.spec.affinity !== 'none') ex.aff = this.affinity.input(pool, req.socket, req.headers);
    ex.run();
  }

  // ---- listeners ----

  async listen(): Promise<AddressInfo[]> {
    const out: AddressInfo[] = [];
    for (const listen of this.current.config.listen) {
      const lc: ListenerCtx = {
        listen,
        isTrusted: listen.trustProxy === true ? () => true : Array.isArray(listen.trustProxy) ? cidrMatcher(listen.trustProxy) : () => false,
      };
      const lim = listen.limits;
      const server = createServer(
        {
          maxHeaderSize: lim.maxHeaderSize,
          headersTimeout: lim.headersTimeout,
          requestTimeout: lim.requestTimeout,
          keepAliveTimeout: lim.keepAliveTimeout,
          // node:http checks both timeouts on this period (default 30 s): twice a second keeps
          // them within a second of their value
          connectionsCheckingInterval: CHECK_EVERY_MS,
          noDelay: true,
        },
        (req, res) => this.handle(req, res, lc),
      );
      server.maxConnections = lim.maxConnections;
      server.maxHeadersCount = lim.maxHeaderCount + 1; // node drops headers past it silently: let the check see one too many
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        upgraded.add(socket);
        this.handleUpgrade(req, socket, head, lc, server);
      });
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => afterAnswers(socket, () => clientError(err, socket)));
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      });
      // acceptProxy: a net server reads the PROXY header first, then gives the socket to `server`
      const ap = listen.acceptProxy;
      const bound: Server | NetServer = ap === false ? server : proxyFront(server, this.log, {
        headersTimeout: lim.headersTimeout,
        allowed: ap === true ? () => true : cidrMatcher(ap),
        served: (s) => hasServed(s) || upgraded.has(s),
      });
      if (bound !== server) {
        bound.maxConnections = lim.maxConnections;
        bound.on('connection', (s: Socket) => {
          this.sockets.add(s);
          s.once('close', () => this.sockets.delete(s));
        });
        this.fronts.push(bound as NetServer);
      }
      await new Promise<void>((resolve, reject) => {
        bound.once('error', reject);
        bound.listen(listen.port, listen.host, () => {
          bound.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
      out.push(bound.address() as AddressInfo);
    }
    await this.tcp.start(this.current.config.tcp);
    this.health.start();
    return out;
  }

  /** Stop accepting, let in-flight requests finish (up to deadlineMs), then close everything. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closing = true;
    this.health.stop();
    const tcpClosed = this.tcp.close(deadlineMs);
    for (const f of this.fronts) f.close();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.servers) s.closeIdleConnections();
    const deadline = new Promise<void>((r) => setTimeout(r, deadlineMs).unref());
    const inFlight = async () => {
      while ([...this.pools.values()].some((p) => p.inFlight > 0)) await new Promise((r) => setTimeout(r, 20));
    };
    await Promise.race([inFlight(), deadline]);
    for (const s of this.servers) s.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await Promise.race([closed, deadline]);
    await tcpClosed;
    await this.upstreams.destroy();
    await this.proxied.destroy();
    await this.affinity.close();
    this.log.flush?.();
  }

  // ---- control plane ----

  /** Close the upstream pools of backends no pool uses any more (after a reload or a removal). */
  private releaseUpstreams(): void {
    void this.upstreams.retain(new Set([...this.pools.values()].flatMap((p) => p.backends.map((b) => b.url))));
  }

  /** Swap in a validated config. Unchanged pools keep their backends' state. */
  apply(config: Config, file = this.file ?? '(inline)'): string[] {
    const changes = reconcilePools(this.pools, config, this.events, Date.now());
    this.affinity.configure(config.affinity);
    void this.tcp.reconcile(config.tcp);
    this.current = { config, matcher: new Matcher(config.routes), version: this.current.version + 1 };
    this.releaseUpstreams();
    this.events.emit('config.reloaded', { file, changes });
    return changes;
  }

  /**
   * Re-read the config file; on any problem keep the running config and report every problem.
   * `files`: what the load read (the file and the local files it imports), for watching.
   */
  reload(): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadNow());
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** Import, validation and large tables happen in a worker (src/config/off-thread.ts); only the swap runs here. */
  private async reloadNow(): Promise<ReloadResult> {
    if (!this.file) return { ok: false, problems: [{ path: '(file)', message: 'router was not started from a file' }], changes: [], files: [] };
    const loaded = await loadOffThread(this.file, poolHints(this.pools));
    let problems = loaded.ok ? [] : loaded.problems;
    if (loaded.ok) {
      try {
        const changes = withPrebuilt(loaded.tables, () => this.apply(loaded.config, this.file));
        this.log.info({ changes }, 'config reloaded');
        return { ok: true, problems: [], changes, files: loaded.files };
      } catch (e) {
        problems = e instanceof ConfigError ? [...e.problems] : [{ path: '(file)', message: (e as Error).message }];
      }
    }
    this.events.emit('config.rejected', { file: this.file, problems });
    this.log.error({ problems }, 'config reload rejected; keeping the running config');
    return { ok: false, problems, changes: [], files: loaded.files };
  }

  /** Which route, why, which pool and backend — without moving any scheduler state. */
  explain(input: ExplainInput): Explanation {
    const method = input.method.toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
    let url = input.url;
    const abs = /^https?:\/\/([^/?#]*)/i.exec(url);
    if (abs && headers.host === undefined) headers.host = abs[1]!;
    if (!abs && !url.startsWith('/') && url !== '*') url = '/' + url;
    let t;
    try {
      t = normalizeTarget(url);
    } catch (e) {
      return { method, path: undefined, status: 400, error: `invalid path: ${(e as Error).message}`, tried: [] };
    }
    const facts = new RequestFacts(method, t.path, t.search, headers, this.learned);
    const { route, tried } = this.current.matcher.explain(facts);
    const mime = { type: facts.mime.type, source: facts.mime.source };
    if (!route) return { method, path: t.path, status: 404, error: 'no route matches this request', mime, tried };
    const pool = this.pools.get(route.pool)!;
    const clientIp = input.clientIp ?? '127.0.0.1';
    const key = hashKeyOf(pool.spec.hashKey, facts, clientIp);
    const d = decide(pool, { key: pool.def.hashing ? key : undefined, clientIp, clientPort: 0, now: Date.now() }, true, this.affinity.input(pool, undefined, headers));
    const hk = pool.spec.hashKey;
    return {
      method,
      path: t.path,
      status: d.backend ? 200 : 503,
      mime,
      route: { name: route.name, index: route.index, match: route.describe },
      tried,
      pool: { name: pool.name, scheduler: pool.spec.scheduler, hashKey: hk.kind === 'header' || hk.kind === 'cookie' ? `${hk.kind}:${hk.name}` : hk.kind, key: pool.def.hashing ? key : undefined },
      backend: d.backend ? { id: d.backend.id, url: d.backend.url, state: d.backend.state, weight: d.backend.weight } : null,
      reason: d.reason,
      ...(d.pin ? { affinity: { kind: d.pin.kind, client: d.pin.client, pinned: d.pin.hit } } : {}),
    };
  }
}

/** Malformed requests the HTTP parser refused: the right 4xx, then close. */
function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const code = err.code ?? '';
  const [status, text] =
    code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
    : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout']
    : [400, 'Bad Request'];
  const body = `${status} ${text.toLowerCase()}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}
