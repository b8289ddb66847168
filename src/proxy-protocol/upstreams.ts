// `sendProxy` on an HTTP pool: every upstream connection starts with a PROXY header naming one
// client connection, so such a connection can never be shared between clients. Switchyard keeps
// one undici Client per (client connection, backend): it is opened on that client's first request
// to the backend, reused for the client's later keep-alive requests (and re-opened with a fresh
// header if the backend closes it), and destroyed when the client connection closes. This is
// HAProxy's behaviour for `send-proxy` servers (such connections are private to their session).
import { connect as netConnect, type Socket } from 'node:net';
import { buildConnector, Client } from 'undici';
import type { BackendState } from '../pools/backend.js';
import type { TlsOptions } from '../proxy/tls-options.js';
import { encodeHeader, type ConnectionEnds } from './encode.js';

/**
 * A connector that writes `header` on each new connection before undici sends a byte. For an
 * https: backend (`tls` given) the header goes first, in clear, and TLS starts after it on the
 * same connection, as a PROXY-protocol listener in front of TLS expects.
 */
export function proxyConnector(header: Buffer, timeoutMs: number, tls?: TlsOptions): buildConnector.connector {
  if (tls !== undefined) return proxyThenTls(header, timeoutMs, tls);
  const base = buildConnector({ timeout: timeoutMs });
  return (opts, cb) => {
    base(opts, (...args) => {
      const [err, socket] = args;
      if (err !== null) return cb(err, null);
      socket.write(header);
      cb(null, socket);
    });
  };
}

function proxyThenTls(header: Buffer, timeoutMs: number, tls: TlsOptions): buildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized });
  return (opts, cb) => {
    const raw = netConnect({ host: opts.hostname, port: Number(opts.port) || 443 });
    const timer = setTimeout(() => raw.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), timeoutMs);
    raw.once('error', (e) => {
      clearTimeout(timer);
      cb(e, null);
    });
    raw.once('connect', () => {
      clearTimeout(timer);
      raw.write(header);
      base({ ...opts, servername: tls.servername || undefined, httpSocket: raw }, cb);
    });
  };
}

export class ProxiedUpstreams {
  private readonly byClient = new WeakMap<Socket, Map<string, Client>>();
  /** Live clients, for destroy() on shutdown. */
  private readonly live = new Set<Client>();

  /** The upstream for this client connection and backend; created on first use. */
  get(b: BackendState, version: 'v1' | 'v2', client: Socket, ends: ConnectionEnds, connectTimeout: number, tls?: TlsOptions): Client {
    let m = this.byClient.get(client);
    if (m === undefined) {
      const mine = new Map<string, Client>();
      m = mine;
      this.byClient.set(client, mine);
      client.once('close', () => {
        for (const c of mine.values()) {
          this.live.delete(c);
          void c.destroy().catch(() => undefined);
        }
        mine.clear();
      });
    }
    const key = `${b.url}|${version}`;
    let c = m.get(key);
    if (c === undefined) {
      c = new Client(b.url, {
        pipelining: 1,
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: proxyConnector(encodeHeader(version, ends), connectTimeout, b.protocol === 'https:' ? tls : undefined),
      });
      m.set(key, c);
      this.live.add(c);
    }
    return c;
  }

  get size(): number {
    return this.live.size;
  }

  async destroy(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    await Promise.all(all.map((c) => c.destroy().catch(() => undefined)));
  }
}
