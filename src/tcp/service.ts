// One raw TCP virtual service (L4): a listener whose connections are each given to one backend of
// a pool of tcp:// backends and spliced byte for byte, like an IPVS virtual service in NAT mode.
// The first "SYN" (accept) picks the backend through the shared affinity core and the pool's
// scheduler (keyed on the client address); the rest of the connection stays on it.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AffinityCore } from '../affinity/core.js';
import type { TcpService as TcpSpec } from '../config/normalized.js';
import type { EventBus } from '../events.js';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import { admitConnection } from '../pipeline/connection.js';
import { decideAttempt, warmChoice } from '../pipeline/decide.js';
import type { UpstreamResult } from '../proxy/records.js';
import { readProxyHeader } from '../proxy-protocol/accept.js';
import { encodeHeader } from '../proxy-protocol/encode.js';
import { splice } from './splice.js';
import { cidrMatcher } from '../proxy/cidr.js';

/** What a TCP service needs of the router. */
export interface TcpHost {
  readonly pools: ReadonlyMap<string, PoolRuntime>;
  readonly affinity: AffinityCore;
  readonly log: Logger;
  readonly events: EventBus;
  upstreamResult(pool: PoolRuntime, b: BackendState, r: UpstreamResult): void;
}

/** Defaults of IPVS's `--set tcp tcpfin`: 900 s established, 120 s after the first FIN. */
export const TCP_IDLE_DEFAULT = 900_000;
export const TCP_FIN_DEFAULT = 120_000;

function connectTo(b: BackendState, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: b.host, port: b.port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => s.destroy(Object.assign(new Error(`connect timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export class TcpService {
  spec: TcpSpec;
  private server: Server | undefined;
  private readonly live = new Set<Socket>();
  /** Spliced connections by `pool|backend id`, to cut when their backend goes away. */
  private readonly byBackend = new Map<string, Set<(reason?: string) => void>>();
  /** Connections accepted, spliced, refused (no backend / bad PROXY header). */
  readonly counts = { accepted: 0, spliced: 0, failed: 0 };

  constructor(private readonly host: TcpHost, spec: TcpSpec) {
    this.spec = spec;
  }

  /** acceptProxy CIDRs, compiled once per spec (a reload may replace the list). */
  private allow: { list: readonly string[]; test: (ip: string) => boolean } | undefined;

  private proxyAllowed(ip: string): boolean {
    const list = this.spec.listen.acceptProxy as string[];
    if (this.allow?.list !== list) this.allow = { list, test: cidrMatcher(list) };
    return this.allow.test(ip);
  }

  async listen(): Promise<AddressInfo> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) => this.onConnection(s));
    server.maxConnections = this.spec.listen.limits.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.spec.listen.port, this.spec.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.host.log.error({ service: this.spec.name, err: e.message }, 'tcp listener error'));
    this.server = server;
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  /**
   * IPVS `expire_nodest_conn` (docs/affinity.md#how-switchyard-maps-it, on for raw TCP): the backend went down, was
   * disabled or removed — its live streams are closed so clients reconnect to another one.
   */
  expireBackend(pool: string, backend: string, reason: string): number {
    const cuts = this.byBackend.get(`${pool}|${backend}`);
    if (cuts === undefined || cuts.size === 0) return 0;
    const n = cuts.size;
    for (const cut of [...cuts]) cut(`backend ${reason}`);
    this.host.log.warn({ service: this.spec.name, pool, backend, connections: n, reason }, 'tcp: closed the live connections of a backend that is gone');
    return n;
  }

  get connections(): number {
    return this.live.size;
  }

  /** Stop accepting; live connections run on until they end or `deadlineMs` passes. */
  async close(deadlineMs = 10_000): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) server.close();
    const t0 = Date.now();
    while (this.live.size > 0 && Date.now() - t0 < deadlineMs) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.live) s.destroy();
  }

  private onConnection(client: Socket): void {
    this.counts.accepted++;
    this.live.add(client);
    client.once('close', () => this.live.delete(client));
    client.on('error', () => undefined); // errors before the splice: the socket is just dropped
    void this.serve(client).catch((e: Error) => {
      this.counts.failed++;
      this.host.log.error({ service: this.spec.name, err: e.message }, 'tcp connection failed');
      client.destroy();
    });
  }

  private async serve(client: Socket): Promise<void> {
    const log = this.host.log;
    const spec = this.spec;
    const peer = `${client.remoteAddress ?? '?'}:${client.remotePort ?? 0}`;
    if (spec.listen.acceptProxy !== false) {
      if (spec.listen.acceptProxy !== true && !this.proxyAllowed(client.remoteAddress ?? '')) {
        this.counts.failed++;
        log.warn({ service: spec.name, peer }, 'PROXY protocol: peer not in acceptProxy; connection closed');
        client.destroy();
        return;
      }
      try {
        await readProxyHeader(client, { timeout: spec.listen.limits.headersTimeout });
      } catch (e) {
        this.counts.failed++;
        log.warn({ service: spec.name, peer, err: (e as Error).message }, 'PROXY protocol: malformed or missing header; connection closed');
        client.destroy();
        return;
      }
    }
    // the pipeline's connection step: client address → pool → decision context (pipeline/connection.ts)
    const choice = client.destroyed ? undefined : admitConnection(this.host, spec.pool, client);
    if (choice === undefined) {
      client.destroy();
      return;
    }
    const { pool, ends, aff } = choice;
    const clientIp = ends.source.address;
    const core = aff.core;
    const conn = aff.conn;
    const warming = warmChoice(choice);
    if (warming !== undefined) await warming;

    let upstream: Socket | undefined;
    let b: BackendState | null = null;
    let connectMs = 0;
    let avoid: Set<string> | undefined;
    const tries = pool.spec.retries + 1;
    for (let i = 0; i < tries && upstream === undefined; i++) {
      b = decideAttempt(choice, avoid).backend;
      if (b === null) break;
      pool.start(b, choice.ctx.now);
      const t0 = Date.now();
      try {
        upstream = await connectTo(b, pool.spec.connectTimeout);
        connectMs = Date.now() - t0;
        this.host.upstreamResult(pool, b, 'ok');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        pool.end(b, Date.now() - t0, false, Date.now());
        this.host.upstreamResult(pool, b, err.code === 'ETIMEDOUT' ? 'timeout' : 'connect');
        log.warn({ service: spec.name, pool: pool.name, backend: b.id, err: err.code ?? err.message }, 'tcp connect failed; trying the next backend');
        (avoid ??= new Set()).add(b.id);
        b = null;
      }
    }
    if (upstream === undefined || b === null) {
      this.counts.failed++;
      log.warn({ service: spec.name, pool: pool.name, client: `${clientIp}:${ends.source.port}` }, 'tcp: no backend could take the connection; closed');
      client.destroy();
      return;
    }
    const backend = b;
    if (pool.spec.affinity !== 'connection') {
      // raw TCP always has a connection entry (IPVS connection table), listed like ipvsadm -Lc
      core.table.pin(pool.name, 'connection', conn.label, backend.id, Date.now(), conn.id);
    }
    if (pool.spec.sendProxy) upstream.write(encodeHeader(pool.spec.sendProxy, ends));
    this.counts.spliced++;
    let inactive = false;
    const bkey = `${pool.name}|${backend.id}`;
    let cuts = this.byBackend.get(bkey);
    if (cuts === undefined) this.byBackend.set(bkey, (cuts = new Set()));
    const mine = cuts;
    const cut = splice(client, upstream, { idleMs: spec.idleTimeout, finMs: spec.finTimeout }, {
      halfClosed: () => {
        // IPVS: ESTABLISHED counts as active, every other state as inactive
        inactive = true;
        backend.active--;
        backend.inactive++;
      },
      closed: (r) => {
        mine.delete(cut);
        if (mine.size === 0 && this.byBackend.get(bkey) === mine) this.byBackend.delete(bkey);
        if (inactive) {
          backend.inactive--;
          backend.active++;
        }
        pool.end(backend, connectMs, r.error === undefined, Date.now());
        log.debug({ service: spec.name, pool: pool.name, backend: backend.id, client: `${clientIp}:${ends.source.port}`, up: r.up, down: r.down, err: r.error }, 'tcp connection closed');
      },
    });
    mine.add(cut);
  }
}
