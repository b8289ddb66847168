// A raw client for the security corpus: writes exact bytes over node:net and splits what comes
// back into responses (interim 1xx apart), with a bound on how long it waits.
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Response {
  status: number;
  headers: [string, string][];
  head: string;
  body: Buffer;
  /** False when the connection closed before the body was whole. */
  complete: boolean;
}

export interface Conversation {
  /** Final (non-1xx) responses in order. */
  responses: Response[];
  interim: Response[];
  closed: boolean;
  raw: Buffer;
}

/** Bytes to write, a pause, or a wait until this many final responses have arrived. */
export type Step = string | { waitMs: number } | { responses: number };

export interface ConverseOptions {
  /** Stop once this many final responses have arrived and the line was quiet for quietMs. */
  finals?: number;
  quietMs?: number;
  /** Give up after this long in all. */
  timeoutMs?: number;
  /** Speak TLS (HTTP/1.1 by ALPN, any certificate): for selftest on a tls listener. */
  tls?: boolean;
  /** Host to connect to (default 127.0.0.1). */
  host?: string;
}

export function header(r: { headers: [string, string][] }, name: string): string[] {
  const n = name.toLowerCase();
  return r.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}

/** Parse as many responses as `buf` holds; `eof` closes a body delimited by the connection. */
export function parseResponses(buf: Buffer, eof: boolean): { finals: Response[]; interim: Response[] } {
  const finals: Response[] = [];
  const interim: Response[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end === -1) break;
    const head = buf.subarray(pos, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
    const status = m ? Number(m[1]) : 0;
    const headers: [string, string][] = [];
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers.push([l.slice(0, i), l.slice(i + 1).trim()]);
    }
    const r: Response = { status, headers, head, body: Buffer.alloc(0), complete: true };
    let p = end + 4;
    if (status >= 100 && status < 200) {
      interim.push(r);
      pos = p;
      continue;
    }
    const cl = header(r, 'content-length')[0];
    const chunked = header(r, 'transfer-encoding').some((v) => /chunked/i.test(v));
    if (status === 204 || status === 304) {
      // no body
    } else if (chunked) {
      const parts: Buffer[] = [];
      let whole = false;
      for (;;) {
        const eol = buf.indexOf('\r\n', p);
        if (eol === -1) break;
        const n = parseInt(buf.subarray(p, eol).toString('latin1'), 16);
        if (!Number.isFinite(n)) break;
        if (n === 0) {
          const t = buf.indexOf('\r\n\r\n', eol);
          if (t === -1) break;
          p = t + 4;
          whole = true;
          break;
        }
        if (buf.length < eol + 4 + n) break;
        parts.push(buf.subarray(eol + 2, eol + 2 + n));
        p = eol + 4 + n;
      }
      r.body = Buffer.concat(parts);
      if (!whole) {
        r.complete = false;
        finals.push(r);
        break;
      }
    } else if (cl !== undefined) {
      const n = Number(cl);
      r.body = Buffer.from(buf.subarray(p, p + n));
      if (buf.length < p + n) {
        r.complete = false;
        finals.push(r);
        break;
      }
      p += n;
    } else {
      r.body = Buffer.from(buf.subarray(p));
      r.complete = eof;
      finals.push(r);
      break;
    }
    finals.push(r);
    pos = p;
  }
  return { finals, interim };
}

/** Run the steps on one connection; resolves with what came back. Never rejects on socket errors. */
export function converse(port: number, steps: Step[], opts: ConverseOptions = {}): Promise<Conversation> {
  const { finals = 1, quietMs = 40, timeoutMs = 1500, host = '127.0.0.1' } = opts;
  return new Promise((resolve) => {
    const sock = opts.tls
      ? tlsConnect({ port, host, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], servername: 'localhost' })
      : connect(port, host);
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let closed = false;
    let lastData = performance.now();
    const parsed = () => parseResponses(buf, closed);
    const t0 = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(poll);
      const { finals: responses, interim } = parsed();
      sock.destroy();
      resolve({ responses, interim, closed, raw: buf });
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      lastData = performance.now();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      finish();
    });
    let stepping = true;
    const poll = setInterval(() => {
      const now = performance.now();
      if (now - t0 > timeoutMs) return finish();
      if (stepping) return;
      const rs = parsed().finals;
      if (rs.length >= finals && rs.every((r) => r.complete) && now - lastData >= quietMs) finish();
    }, 5);
    const run = async () => {
      await new Promise<void>((r) => sock.once(opts.tls ? 'secureConnect' : 'connect', () => r()));
      for (const s of steps) {
        if (done) return;
        if (typeof s === 'string') sock.write(Buffer.from(s, 'latin1'));
        else if ('waitMs' in s) await new Promise((r) => setTimeout(r, s.waitMs));
        else {
          while (!done && parsed().finals.filter((r) => r.complete).length < s.responses && performance.now() - t0 < timeoutMs) {
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }
      stepping = false;
    };
    void run();
  });
}
