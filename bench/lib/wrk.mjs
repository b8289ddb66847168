// Run wrk (one thread, pinned to the load core) and parse req/s, p50, p99 and the request count.
import { execFile } from 'node:child_process';

const UNIT = { us: 1e-3, ms: 1, s: 1000 };
const ms = (v) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  return m ? Number(m[1]) * UNIT[m[2]] : NaN;
};

/** `close: true` sends `Connection: close`, so every request opens a new connection (a new TLS handshake on https). */
export function wrk(url, { connections, seconds, core, close = false }) {
  const args = ['-c', core, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', ...(close ? ['-H', 'Connection: close'] : []), url];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
      const p50 = ms(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const p99 = ms(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
      const sock = /Socket errors: (.*)/.exec(stdout)?.[1];
      resolve({ rps, requests, p50, p99, errors: Number(errors ?? 0), socketErrors: sock, raw: stdout });
    });
  });
}
