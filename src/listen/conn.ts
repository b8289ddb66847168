// The client connection as the pipeline reads it (pipeline/admit.ts ClientConn), made once per
// connection on its first request and kept on the socket.
import type { Socket } from 'node:net';
import type { ClientConn } from '../pipeline/admit.js';
import { connectionEnds } from '../proxy-protocol/accept.js';

const CONN = Symbol('switchyard.conn');
type Tagged = Socket & { [CONN]?: ClientConn };

/** acceptProxy: the client named by the PROXY header, not the balancer in front. */
export function clientConn(socket: Socket, acceptProxy: boolean): ClientConn {
  const s = socket as Tagged;
  let c = s[CONN];
  if (c === undefined) {
    let address = acceptProxy ? connectionEnds(socket).source.address : socket.remoteAddress ?? '';
    if (address.startsWith('::ffff:')) address = address.slice(7);
    s[CONN] = c = { address, port: socket.remotePort ?? 0, socket };
  }
  return c;
}
