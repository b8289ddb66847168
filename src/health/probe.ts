// One active health probe against one backend: an HTTP request (status must be in `expect`) or a
// bare TCP connect. Never throws; always settles within `timeout` ms.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Health, UpstreamTls } from '../config/normalized.js';
import { encodeHeader } from '../proxy-protocol/encode.js';
import { tlsOptions } from '../proxy/tls-options.js';

export interface ProbeTarget {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http:' | 'https:' | 'tcp:';
  /** The pool's sendProxy: checks start with a LOCAL header (v2) / `PROXY UNKNOWN` (v1), before TLS for https:. */
  readonly sendProxy?: 'v1' | 'v2' | undefined;
  /** The pool's `tls`: an https: check verifies the certificate as requests do (src/proxy/tls-options.ts). */
  readonly tls?: UpstreamTls | undefined;
}

export interface ProbeResult {
  ok: boolean;
  /** e.g. `HTTP 200`, `connect ECONNREFUSED`, `timeout after 500 ms`. */
  detail: string;
  ms: number;
}

// A timeout fires through setImmediate: when the event loop was stalled, an answer that arrived
// in time is read (poll phase) before the timeout is declared, so a busy router does not mark
// healthy backends down.
export function probe(t: ProbeTarget, h: Health): Promise<ProbeResult> {
  return h.type === 'tcp' || t.protocol === 'tcp:' ? probeTcp(t, h) : probeHttp(t, h);
}

function probeTcp(t: ProbeTarget, h: Health): Promise<ProbeResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = connect({ host: t.host, port: t.port });
    let settled = false;
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok || !t.sendProxy) sock.destroy();
      resolve({ ok, detail, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => setImmediate(() => done(false, `timeout after ${h.timeout} ms`)), h.timeout);
    sock.once('connect', () => {
      // a PROXY-protocol backend reads a header before anything else: say LOCAL, then close
      if (t.sendProxy) sock.end(encodeHeader(t.sendProxy, undefined), () => sock.destroy());
      done(true, 'tcp connect');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => done(false, `connect ${e.code ?? e.message}`));
  });
}

function probeHttp(t: ProbeTarget, h: Health): Promise<ProbeResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const send = t.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send({
      host: t.host,
      port: t.port,
      method: 'GET',
      path: h.path,
      agent: false,
      headers: { host: h.host ?? t.id, 'user-agent': 'switchyard-health/1', connection: 'close' },
      ...(t.protocol === 'https:' ? tlsOptions(t.tls, t.host) : {}),
      // (no agent: node:http only calls createConnection when agent is unset)
      ...(t.sendProxy ? { agent: undefined, createConnection: () => proxiedConnection(t, t.sendProxy!) } : {}),
    });
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, detail, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => setImmediate(() => done(false, `timeout after ${h.timeout} ms`)), h.timeout);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const ok = h.expect.some(([lo, hi]) => status >= lo && status <= hi);
      res.resume();
      done(ok, `HTTP ${status}`);
    });
    req.once('error', (e: NodeJS.ErrnoException) => done(false, `error ${e.code ?? e.message}`));
    req.end();
  });
}

/**
 * The connection of a check to a sendProxy pool's backend: the header first, in clear (LOCAL:
 * no client behind it), then for https: TLS on the same connection with the pool's settings, as
 * requests do (src/proxy-protocol/upstreams.ts).
 */
function proxiedConnection(t: ProbeTarget, version: 'v1' | 'v2'): Socket {
  const raw = connect({ host: t.host, port: t.port });
  raw.write(encodeHeader(version, undefined)); // queued ahead of the request (or the handshake)
  if (t.protocol !== 'https:') return raw;
  const o = tlsOptions(t.tls, t.host);
  return tlsConnect({ socket: raw, ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, ...(o.servername ? { servername: o.servername } : {}) });
}
