// The affinity core of one process: the table, the cookie signer, the optional Redis store, the
// sweep, and the per-connection identities the router and TCP services hand to decide().
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AffinitySettings } from '../config/normalized.js';
import { cookieValue } from '../pools/hash-key.js';
import type { PoolRuntime } from '../pools/pool.js';
import type { PickContext } from '../schedulers/types.js';
import { maskAddress } from './address.js';
import { CookieSigner } from './cookie.js';
import { RedisStore, type StoreStatus } from './store.js';
import { AffinityTable, type AffinityEntry, type AffinityTableOptions, type AffinityStats, type PinKind } from './table.js';
import { connectionEnds } from '../proxy-protocol/accept.js';

/** One client connection: `id` keys the table, `label` ('ip:port#id') names it in listings. */
export interface ConnRef {
  id: number;
  label: string;
}

/** What decide() needs for a pool with affinity. */
export interface AffinityInput {
  core: AffinityCore;
  /** The client connection; undefined when there is none (explain). */
  conn: ConnRef | undefined;
  /** { header } affinity: the header's value; 'cookie': the pool's affinity cookie value. */
  token: string | undefined;
}

export interface AffinityCoreStats extends AffinityStats {
  store: 'memory' | StoreStatus;
  consistent: boolean;
}

/** IPVS keeps a template 60 s after its last controlled connection ends; never longer than `timeout` here. */
function tableOptions(s: AffinitySettings): AffinityTableOptions {
  return { timeout: s.timeout, maxEntries: s.maxEntries, finTimeout: 10, controlGrace: Math.min(60, s.timeout) };
}

/** Longest header value kept verbatim as a pin key. */
const MAX_TOKEN = 256;

export class AffinityCore {
  readonly table: AffinityTable;
  readonly cookies: CookieSigner;
  settings: AffinitySettings;
  store: RedisStore | undefined;
  /** Cluster workers without a store: first choices by rendezvous hashing (same in every worker). */
  readonly consistent: boolean;
  private readonly sockets = new WeakMap<Socket, ConnRef>();
  private nextConn = 1;
  private readonly sweeper: NodeJS.Timeout;
  private readonly secret: string;

  constructor(settings: AffinitySettings, private readonly log: Logger, opts: { consistent?: boolean } = {}) {
    this.settings = settings;
    this.table = new AffinityTable(tableOptions(settings));
    this.secret = settings.cookieSecret ?? process.env.SWITCHYARD_AFFINITY_SECRET ?? randomBytes(24).toString('base64url');
    this.cookies = new CookieSigner(this.secret);
    this.consistent = opts.consistent === true && settings.store === 'memory';
    this.store = this.openStore(settings.store);
    this.sweeper = setInterval(() => this.table.sweep(Date.now()), 1000);
    this.sweeper.unref();
  }

  private openStore(url: string): RedisStore | undefined {
    if (url === 'memory') return undefined;
    const keepOwn = this.settings.cookieSecret !== undefined;
    return new RedisStore(url, this.log, (s) => {
      if (!keepOwn) this.cookies.setKey(s);
    }, this.secret);
  }

  /** Reload: new limits; a changed store URL reconnects. */
  configure(settings: AffinitySettings): void {
    const old = this.settings;
    this.settings = settings;
    this.table.configure(tableOptions(settings));
    if (old.store !== settings.store) {
      void this.store?.close();
      this.store = this.openStore(settings.store);
    }
  }

  /** The identity of a client connection; its entries expire shortly after it closes. */
  connection(socket: Socket): ConnRef {
    let c = this.sockets.get(socket);
    if (c === undefined) {
      const id = this.nextConn++;
      // the client, also behind an L4 balancer that sent a PROXY header (acceptProxy)
      const { address: ip, port } = connectionEnds(socket).source;
      c = { id, label: `${ip.includes(':') ? `[${ip}]` : ip}:${port}#${id}` };
      this.sockets.set(socket, c);
      socket.once('close', () => this.table.connectionClosed(id, Date.now()));
    }
    return c;
  }

  /** decide()'s affinity argument for an HTTP request; undefined when the pool has none. */
  input(pool: PoolRuntime, socket: Socket | undefined, headers: IncomingHttpHeaders): AffinityInput | undefined {
    const mode = pool.spec.affinity;
    if (mode === 'none') return undefined;
    let token: string | undefined;
    if (mode === 'cookie') {
      const c = headers.cookie;
      token = cookieValue(Array.isArray(c) ? c.join('; ') : c, CookieSigner.cookieName(pool.name));
    } else if (typeof mode === 'object') {
      const v = headers[mode.header];
      token = v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
    }
    return { core: this, conn: socket ? this.connection(socket) : undefined, token };
  }

  /** The table key of a request's pin, for connection / client / header affinity. */
  pinKey(pool: PoolRuntime, ctx: PickContext, aff: AffinityInput): { kind: PinKind; client: string } | undefined {
    const mode = pool.spec.affinity;
    if (mode === 'connection') return aff.conn ? { kind: 'connection', client: aff.conn.label } : undefined;
    if (mode === 'client') return { kind: 'client', client: maskAddress(ctx.clientIp, this.settings.netmask) };
    if (typeof mode === 'object') {
      const t = aff.token;
      if (t === undefined || t === '') return undefined;
      return { kind: 'header', client: t.length > MAX_TOKEN ? t.slice(0, MAX_TOKEN) : t };
    }
    return undefined;
  }

  /**
   * With a Redis store: when this request's template is not in the local table, one GET (at most
   * 100 ms) warms it before the synchronous decision. Undefined when there is nothing to wait for.
   */
  warm(pool: PoolRuntime, ctx: PickContext, aff: AffinityInput): Promise<void> | undefined {
    const st = this.store;
    if (st === undefined || !st.ready) return undefined;
    const k = this.pinKey(pool, ctx, aff);
    if (k === undefined || k.kind === 'connection') return undefined;
    if (this.table.peek(pool.name, k.kind, k.client, Date.now()) !== undefined) return undefined;
    return st.get(RedisStore.key(pool.name, k.kind, k.client), 100).then((v) => {
      const now = Date.now();
      const shared = v === undefined ? undefined : RedisStore.parse(v);
      if (shared === undefined || this.table.peek(pool.name, k.kind, k.client, now) !== undefined) return;
      // a pin written before this backend was removed here is void (a re-added backend takes new clients only)
      const removed = this.table.removed(pool.name, shared.backend);
      if (removed !== undefined && shared.at <= removed) return;
      this.table.pin(pool.name, k.kind, k.client, shared.backend, now);
      this.table.due(pool.name, k.kind, k.client, now, 0);
    });
  }

  /** Write a new or changed template through to the store. */
  pushed(pool: string, kind: PinKind, client: string, backend: string, now: number, changed: boolean): void {
    const st = this.store;
    if (st === undefined || kind === 'connection' || kind === 'cookie') return;
    const ttl = this.settings.timeout * 1000;
    if (this.table.due(pool, kind, client, now, changed ? 0 : ttl / 3)) st.set(RedisStore.key(pool, kind, client), backend, ttl, now);
  }

  storeStatus(): 'memory' | StoreStatus {
    return this.store === undefined ? 'memory' : this.store.status();
  }

  stats(): AffinityCoreStats {
    return { ...this.table.stats(), store: this.storeStatus(), consistent: this.consistent };
  }

  list(opts: { pool?: string; kind?: PinKind; limit?: number } = {}, now = Date.now()): AffinityEntry[] {
    return this.table.list(now, opts);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.store?.close();
  }
}
