// HTTP/2 clients for the listener tests: node:http2 sessions (TLS trusting the test CA, or h2c with
// prior knowledge) and one request on a session, body and trailers collected.
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { readFileSync } from 'node:fs';

/** A TLS session (ALPN h2) verifying against `ca` for `servername`, or cleartext h2c without `ca`. */
export function h2session(port: number, ca?: string, servername = 'a.test'): Promise<ClientHttp2Session> {
  return new Promise((done, fail) => {
    const s = ca
      ? connect(`https://127.0.0.1:${port}`, { ca: readFileSync(ca), servername })
      : connect(`http://127.0.0.1:${port}`);
    s.once('connect', () => done(s));
    s.once('error', fail);
  });
}

export interface H2Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  trailers: Record<string, string | string[] | undefined>;
}

/** One request; `body` is sent and the stream ended. Rejects on a reset stream. */
export function h2req(s: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string | Buffer): Promise<H2Got> {
  return new Promise((done, fail) => {
    const req = s.request({ ':method': body === undefined ? 'GET' : 'POST', ...headers });
    let got: H2Got = { status: 0, headers: {}, body: '', trailers: {} };
    const chunks: Buffer[] = [];
    req.on('response', (h) => (got = { ...got, status: Number(h[':status']), headers: h as H2Got['headers'] }));
    req.on('trailers', (t) => (got.trailers = t as H2Got['trailers']));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done({ ...got, body: Buffer.concat(chunks).toString() }));
    req.on('error', fail);
    req.on('close', () => {
      if (req.rstCode !== constants.NGHTTP2_NO_ERROR) fail(Object.assign(new Error(`stream reset ${req.rstCode}`), { rstCode: req.rstCode }));
    });
    req.end(body);
  });
}

/** A literal header field without indexing (HPACK, no Huffman); names and values under 127 bytes. */
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}

export function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * Bytes a node:http2 client refuses to send: the preface, empty SETTINGS, and one HEADERS frame
 * (END_STREAM, END_HEADERS) on stream 1 with exactly these fields.
 */
export function rawHeadersFrame(fields: [string, string][], endStream = true): Buffer {
  return Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), headersFrame(1, fields, endStream)]);
}

/** A HEADERS frame (END_HEADERS; END_STREAM when `endStream`). */
export function headersFrame(stream: number, fields: [string, string][], endStream: boolean): Buffer {
  return frame(1, endStream ? 0x5 : 0x4, stream, Buffer.concat(fields.map(([n, v]) => literal(n, v))));
}

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** Split received bytes into frames (a partial last frame is left out). */
export function frames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  let i = 0;
  while (i + 9 <= buf.length) {
    const len = buf.readUIntBE(i, 3);
    if (i + 9 + len > buf.length) break;
    out.push({ type: buf[i + 3]!, flags: buf[i + 4]!, stream: buf.readUInt32BE(i + 5) & 0x7fffffff, payload: buf.subarray(i + 9, i + 9 + len) });
    i += 9 + len;
  }
  return out;
}
