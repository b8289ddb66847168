// The node:http front ends: a request and an upgrade each reach the pipeline through one admit()
// call (pipeline/admit.ts), then are refused here or handed to an Exchange / UpgradeExchange.
import type { Socket } from 'node:net';
import type { Listen } from '../config/normalized.js';
import { admit, frontRules, type FrontRules, type PipelineHost, type Refusal } from '../pipeline/admit.js';
import type { ClientRequest, ClientResponse } from '../proxy/client.js';
import { answerBytes, answerRecord, sendAnswer } from '../proxy/answer.js';
import { Exchange } from '../proxy/exchange.js';
import type { ProxyHost } from '../proxy/host.js';
import { errorResponse, sendError } from '../proxy/respond.js';
import { UpgradeExchange } from '../proxy/upgrade.js';
import { withId } from '../proxy/request-id.js';
import type { Snapshot } from '../runtime/snapshot.js';
import { clientConn } from './conn.js';

/** What the node:http front ends read of the runtime (src/runtime/runtime.ts). */
export interface HttpHost extends PipelineHost, ProxyHost {
  /** The newest snapshot: read once per request, which then keeps it. */
  readonly current: Snapshot;
}

/** One listener's front: made once at listen time. */
export interface HttpFront {
  readonly host: HttpHost;
  readonly listen: Listen;
  readonly requests: FrontRules;
  readonly upgrades: FrontRules;
  readonly acceptProxy: boolean;
}

export function httpFront(host: HttpHost, listen: Listen): HttpFront {
  return { host, listen, requests: frontRules(listen, 'request'), upgrades: frontRules(listen, 'upgrade'), acceptProxy: listen.acceptProxy !== false };
}

/** A request, in its turn on the connection (proxy/serial.ts inTurn). */
export function serveRequest(f: HttpFront, req: ClientRequest, res: ClientResponse): void {
  if (res.destroyed) return;
  const host = f.host;
  // Shutting down: a request that was already on its way over a kept-alive connection is still
  // served, with `Connection: close`, so the client loses nothing.
  if (host.closing) res.setHeader('connection', 'close');
  if (f.listen.hsts !== undefined) res.setHeader('strict-transport-security', f.listen.hsts);
  const r = admit(host.current, host, f.requests, req, clientConn(req.socket, f.acceptProxy));
  if (r.kind === 'refused') {
    if (r.close) {
      res.shouldKeepAlive = false;
      res.setHeader('connection', 'close');
    }
    sendError(res, r.code, withId(r.headers, r.requestId), r.detail);
    if (r.close) req.socket.destroySoon?.();
    logRefusal(host, req, r);
    return;
  }
  if (r.kind === 'answer') {
    sendAnswer(res, r);
    return host.requestDone(answerRecord(req.method!, r));
  }
  new Exchange(host, req, res, r, f.listen.limits, f.listen.allowUnderscoreHeaders).run();
}

/**
 * Upgrade requests: refused, or handed to an UpgradeExchange (proxy/upgrade.ts). `handBack` takes
 * the connection back as HTTP when the backend answers anything but 101.
 */
export function serveUpgrade(f: HttpFront, handBack: (socket: Socket) => void, req: ClientRequest, socket: Socket, head: Buffer): void {
  const host = f.host;
  if (host.closing) return endWith(socket, errorResponse('SY_ERR_SHUTTING_DOWN'));
  const r = admit(host.current, host, f.upgrades, req, clientConn(req.socket, f.acceptProxy));
  if (r.kind === 'refused') {
    endWith(socket, errorResponse(r.code, r.detail, withId(r.headers, r.requestId)));
    logRefusal(host, req, r);
    return;
  }
  if (r.kind === 'answer') {
    endWith(socket, answerBytes(r));
    return host.requestDone(answerRecord(req.method!, r));
  }
  new UpgradeExchange(host, req, socket, head, r, handBack).run();
}

function endWith(socket: Socket, text: string): void {
  socket.on('error', () => undefined);
  socket.end(text);
}

/** Refusals after matching (no route, body too large) are logged; earlier ones are not. */
export function logRefusal(host: HttpHost, req: { readonly method?: string | undefined }, r: Refusal): void {
  if (r.facts === undefined) return;
  host.requestDone({
    method: req.method!, path: r.facts.path, status: r.status, route: r.route?.name, pool: r.route?.pool, backend: undefined,
    clientIp: r.clientIp!, ms: 0, attempts: 0, error: r.code, userAgent: r.facts.headers['user-agent'], referer: r.facts.headers.referer, requestId: r.requestId?.value,
  });
}
