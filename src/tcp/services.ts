// The router's raw TCP services: started with the router's listeners, reconciled on reload (a new
// service starts listening, a removed one stops accepting while its live connections run on, a
// kept one takes its new pool and timeouts for new connections), stopped on close.
import type { AddressInfo } from 'node:net';
import type { TcpService as TcpSpec } from '../config/normalized.js';
import { TcpService, type TcpHost } from './service.js';

export interface TcpServiceInfo {
  name: string;
  pool: string;
  address: AddressInfo | undefined;
  acceptProxy: boolean | string[];
  connections: number;
  accepted: number;
  spliced: number;
  failed: number;
}

const keyOf = (s: TcpSpec) => `${s.name}|${s.listen.host}:${s.listen.port}`;

export class TcpServices {
  readonly services = new Map<string, TcpService>();
  private started = false;
  private readonly retired = new Set<TcpService>();

  constructor(private readonly host: TcpHost) {
    // live streams to a backend that is down, disabled or removed are closed (expire_nodest_conn)
    host.events.on('backend.state', (e) => {
      if (e.to === 'down' || e.to === 'disabled') this.expire(e.pool, e.backend, e.to);
    });
    host.events.on('backend.removed', (e) => this.expire(e.pool, e.backend, 'removed'));
  }

  private expire(pool: string, backend: string, reason: string): void {
    for (const s of [...this.services.values(), ...this.retired]) if (s.spec.pool === pool) s.expireBackend(pool, backend, reason);
  }

  /** Listen for every configured service; returns their bound addresses in config order. */
  async start(specs: readonly TcpSpec[]): Promise<AddressInfo[]> {
    this.started = true;
    const out: AddressInfo[] = [];
    for (const spec of specs) {
      const svc = new TcpService(this.host, spec);
      out.push(await svc.listen());
      this.services.set(keyOf(spec), svc);
    }
    return out;
  }

  /** After a reload: start new services, retire removed ones, update kept ones. */
  async reconcile(specs: readonly TcpSpec[]): Promise<void> {
    if (!this.started) return;
    const want = new Map(specs.map((s) => [keyOf(s), s]));
    for (const [k, svc] of this.services) {
      if (want.has(k)) continue;
      this.services.delete(k);
      this.retired.add(svc);
      void svc.close(Number.MAX_SAFE_INTEGER).then(() => this.retired.delete(svc));
    }
    for (const [k, spec] of want) {
      const have = this.services.get(k);
      if (have) {
        have.spec = spec;
        continue;
      }
      const svc = new TcpService(this.host, spec);
      try {
        await svc.listen();
        this.services.set(k, svc);
      } catch (e) {
        this.host.log.error({ service: spec.name, err: (e as Error).message }, 'tcp service could not listen');
      }
    }
  }

  list(): TcpServiceInfo[] {
    return [...this.services.values()].map((s) => ({
      name: s.spec.name,
      pool: s.spec.pool,
      address: s.address(),
      acceptProxy: s.spec.listen.acceptProxy,
      connections: s.connections,
      ...s.counts,
    }));
  }

  /** The bound address of the service called `name`. */
  address(name: string): AddressInfo | undefined {
    for (const s of this.services.values()) if (s.spec.name === name) return s.address();
    return undefined;
  }

  async close(deadlineMs = 10_000): Promise<void> {
    const all = [...this.services.values(), ...this.retired];
    this.services.clear();
    this.retired.clear();
    this.started = false;
    await Promise.all(all.map((s) => s.close(deadlineMs)));
  }
}
