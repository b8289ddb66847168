// The request head the raw upstream writes (src/engine/upstream.ts), byte for byte what undici
// writes for the same request on the node:http engine (its client-h1 writer): request line, host,
// connection, the fields in order, then the body's framing. Both engines therefore forward
// identical bytes (test/engine/differential.test.ts checks it).

/** Methods whose request is expected to carry a body (an empty one still says content-length: 0). */
const PAYLOAD = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

export interface Head {
  text: string;
  /** The body goes chunked (no Content-Length was given). */
  chunked: boolean;
}

/**
 * `fields` as requestHeaders (src/proxy/headers.ts) built them; `hostField` is the backend's own
 * host[:port] for a request without Host. HEAD closes its connection after the answer (a
 * misbehaving backend may send a body to it).
 */
export function requestHead(method: string, path: string, fields: readonly string[], hasBody: boolean, hostField: string): Head {
  let host: string | undefined;
  let length: number | undefined;
  let rest = '';
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const n = name.length;
    if (n === 4 || n === 14) {
      const l = name.toLowerCase();
      if (l === 'host') {
        host ??= fields[i + 1]!;
        continue;
      }
      if (l === 'content-length') {
        length ??= Number.parseInt(fields[i + 1]!, 10);
        continue;
      }
    }
    rest += `${name}: ${fields[i + 1]!}\r\n`;
  }
  let text = `${method} ${path} HTTP/1.1\r\nhost: ${host ?? hostField}\r\n${method === 'HEAD' ? 'connection: close' : 'connection: keep-alive'}\r\n${rest}`;
  if (!hasBody) {
    text += length === 0 && PAYLOAD.has(method) ? 'content-length: 0\r\n\r\n' : '\r\n';
    return { text, chunked: false };
  }
  if (length !== undefined) return { text: `${text}content-length: ${length}\r\n\r\n`, chunked: false };
  return { text: `${text}transfer-encoding: chunked\r\n`, chunked: true };
}
