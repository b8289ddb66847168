// Pure pieces of the upgrade path (upgrade.ts): which upgrade requests are refused, how a backend's
// answer is framed for the client, and the bytes of the response heads written on the raw socket.
import type { IncomingHttpHeaders } from 'node:http';

/** An upgrade request with a body is refused: node:http hands its body over raw, unframed. */
export function upgradeBodyRefusal(h: IncomingHttpHeaders): string | undefined {
  if (h['transfer-encoding'] !== undefined) return 'upgrade request with Transfer-Encoding';
  const cl = h['content-length'];
  if (cl !== undefined && cl !== '0') return 'upgrade request with a body';
  return undefined;
}

/** True when the client's Connection header lists `close` (then the connection is not kept). */
export function wantsClose(connection: string | undefined, httpVersion: string): boolean {
  if (httpVersion !== '1.1') return true;
  if (connection === undefined) return false;
  return connection.split(',').some((t) => t.trim().toLowerCase() === 'close');
}

/** How a relayed (non-101) answer's body is delimited towards the client. */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export function framingFor(method: string, status: number, headers: IncomingHttpHeaders, clientKeeps: boolean): Framing {
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return { kind: 'none' };
  const cl = headers['content-length'];
  if (headers['transfer-encoding'] === undefined && cl !== undefined && /^\d{1,15}$/.test(cl)) return { kind: 'length', length: Number(cl) };
  // chunked or delimited by the backend closing: re-framed as chunked so the client connection stays HTTP
  return clientKeeps ? { kind: 'chunked' } : { kind: 'close' };
}

/** Response header names never relayed as received (docs/routing.md#data-plane: hop-by-hop). */
const DROP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length']);

function listed(connection: string | undefined): Set<string> {
  const s = new Set<string>();
  if (connection) for (const t of connection.split(',')) s.add(t.trim().toLowerCase());
  s.delete('upgrade');
  return s;
}

const SAFE_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The head written to the client: status line, the backend's end-to-end headers, `extra` pairs
 * (Set-Cookie of cookie affinity), then the framing. A 101 keeps `Connection: Upgrade` and `Upgrade`.
 */
export function responseHead(status: number, statusText: string, raw: readonly string[], extra: readonly string[], framing: Framing | 'upgrade', close: boolean): string {
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'connection') connection = connection === undefined ? raw[i + 1] : `${connection}, ${raw[i + 1]}`;
  const hop = listed(connection);
  const text = SAFE_TEXT.test(statusText) ? statusText : '';
  let out = `HTTP/1.1 ${status} ${text}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (framing === 'upgrade' && lower === 'upgrade') out += `${raw[i]}: ${raw[i + 1]}\r\n`;
    else if (!DROP.has(lower) && !hop.has(lower)) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  for (let i = 0; i < extra.length; i += 2) out += `${extra[i]}: ${extra[i + 1]}\r\n`;
  if (framing === 'upgrade') out += 'connection: Upgrade\r\n';
  else if (framing.kind === 'length') out += `content-length: ${framing.length}\r\n`;
  else if (framing.kind === 'chunked') out += 'transfer-encoding: chunked\r\n';
  if (framing !== 'upgrade' && (close || framing.kind === 'close')) out += 'connection: close\r\n';
  return out + '\r\n';
}

