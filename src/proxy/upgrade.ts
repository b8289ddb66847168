// WebSocket and other Upgrade requests: routed like any request, then tunnelled byte for byte.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { BackendState } from '../pools/backend.js';
import type { PoolRuntime } from '../pools/pool.js';
import { requestHeaders } from './headers.js';
import { connectionEnds } from '../proxy-protocol/accept.js';
import { encodeHeader } from '../proxy-protocol/encode.js';

export function tunnel(
  req: IncomingMessage, client: Duplex, head: Buffer, pool: PoolRuntime, b: BackendState,
  path: string, peerIp: string, trusted: boolean, done: (ok: boolean) => void,
): void {
  const headers = requestHeaders(req.rawHeaders, req.headers.connection, { peerIp, proto: 'http', trusted, upgrade: true });
  let lines = `${req.method} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) lines += `${headers[i]}: ${headers[i + 1]}\r\n`;
  lines += '\r\n';
  let settled = false;
  const finish = (ok: boolean) => {
    if (settled) return;
    settled = true;
    done(ok);
  };
  const upstream: Socket = connect({ host: b.host, port: b.port, timeout: pool.spec.connectTimeout });
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    if (pool.spec.sendProxy) upstream.write(encodeHeader(pool.spec.sendProxy, connectionEnds(req.socket)));
    upstream.write(lines);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
  upstream.once('error', () => {
    if (!client.destroyed && upstream.bytesRead === 0) {
      const body = '502 backend refused the upgrade connection\n';
      client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    } else client.destroy();
    finish(false);
  });
  upstream.once('close', () => {
    client.destroy();
    finish(true);
  });
  client.once('error', () => upstream.destroy());
  client.once('close', () => upstream.destroy());
}
