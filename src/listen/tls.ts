// The TLS listeners' certificates as they run: the set each listener serves now, the SNI callback
// that reads it at every handshake, and the swap a reload makes once every new file was read
// (src/runtime/runtime.ts calls prepare, then commit). Open connections keep their context.
import type { ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContext, Server as TlsServer } from 'node:tls';
import type { Config, Listen } from '../config/normalized.js';
import { ConfigError } from '../errors.js';
import { pickCert, readCerts, type CertInfo, type CertSet, type Problem } from './certs.js';

/** One TLS listener's running certificates. */
export class ListenerCerts {
  private names: string[][];
  /** The listener's TLS server (node:https, or node:tls for the fast engine). */
  server: TlsServer | undefined;

  constructor(
    /** Index of the listener in `listen`. */
    readonly index: number,
    private set: CertSet,
  ) {
    this.names = set.entries.map((e) => e.info.names);
  }

  /** Read the certificates of a listener at start; throws ConfigError naming each bad file's key path. */
  static read(index: number, listen: Listen): ListenerCerts {
    const r = readCerts(listen.tls!);
    if (!r.set) throw new ConfigError(r.problems);
    return new ListenerCerts(index, r.set);
  }

  /** The TLS part of the https server's options: the default certificate and the SNI callback. */
  serverOptions(): ServerOptions {
    const d = this.set.entries[0]!.options;
    return { cert: d.cert, key: d.key, minVersion: d.minVersion, SNICallback: (name, cb) => cb(null, this.contextFor(name)) };
  }

  contextFor(servername: string): SecureContext {
    return this.set.entries[pickCert(this.names, servername)]!.context;
  }

  /** New connections get `set`; connections already open keep the context they shook hands with. */
  swap(set: CertSet): void {
    this.set = set;
    this.names = set.entries.map((e) => e.info.names);
    this.server?.setSecureContext(set.entries[0]!.options);
  }

  infos(): (CertInfo & { listener: string })[] {
    const a = this.server?.address() as AddressInfo | null | undefined;
    const listener = a ? `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` : `listen[${this.index}]`;
    return this.set.entries.map((e) => ({ ...e.info, listener }));
  }
}

/**
 * Read the certificates of every running TLS listener from the new config (same listener
 * index); nothing changes until `commit`. A reload that adds or removes `tls` is refused
 * (src/listen/restart-keys.ts): listeners are bound at start.
 */
export function prepareCerts(running: readonly ListenerCerts[], config: Config): { problems: Problem[]; commit: () => void } {
  const problems: Problem[] = [];
  const swaps: (() => void)[] = [];
  for (const l of running) {
    const tls = config.listen[l.index]?.tls;
    if (tls === undefined) continue;
    const r = readCerts(tls);
    problems.push(...r.problems);
    if (r.set) swaps.push(() => l.swap(r.set!));
  }
  return { problems, commit: () => (problems.length > 0 ? undefined : swaps.forEach((s) => s())) };
}
