// One HTTP/1.1 request written as raw bytes over node:net (absolute-form targets, odd or missing
// Host headers), read until the server closes or `ms` passes.
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  target: string;
  /** Header lines; `host` is sent only when given (null: none). */
  headers?: Record<string, string>;
  host?: string | null;
  body?: string;
  version?: '1.0' | '1.1';
}

export function raw(port: number, r: RawRequest, ms = 2000): Promise<RawAnswer> {
  const lines = [`${r.method} ${r.target} HTTP/${r.version ?? '1.1'}`];
  if (r.host !== null) lines.push(`Host: ${r.host ?? `127.0.0.1:${port}`}`);
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (r.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(r.body)}`);
  lines.push('Connection: close', '', r.body ?? '');
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => s.destroy(), ms);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = (end < 0 ? text : text.slice(0, end)).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of head.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = end < 0 ? '' : text.slice(end + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
      resolve({ status, headers, body });
    });
    s.write(lines.join('\r\n'));
  });
}

function unchunk(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const nl = s.indexOf('\r\n', i);
    const n = parseInt(s.slice(i, nl), 16);
    if (!(n > 0)) break;
    out += s.slice(nl + 2, nl + 2 + n);
    i = nl + 2 + n + 2;
  }
  return out;
}
