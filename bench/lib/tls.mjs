// TLS pieces of the benchmark (issue 14): one throw-away certificate made with openssl at start,
// and h2load (nghttp2-client) for the HTTP/2 row.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed ECDSA P-256 certificate for localhost / 127.0.0.1 in `dir` (a temp dir, never committed). */
export function makeCert(dir) {
  const cert = join(dir, 'bench.crt');
  const key = join(dir, 'bench.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}


/**
 * h2load pinned to the load core: `clients` connections with `streams` concurrent streams each, for
 * `seconds`. h2load prints no percentiles: p50 carries its mean time per request, p99 its max.
 */
export function h2load(url, { clients, streams, seconds, core }) {
  const args = ['-c', core, 'h2load', '-t1', `-c${clients}`, `-m${streams}`, `-D${seconds}`, url];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`h2load failed: ${err.message}\n${stdout}`));
      const rps = Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(stdout)?.[1]);
      const m = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
      const t = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(stdout);
      const status = /status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
      const done = Number(m?.[2] ?? 0);
      resolve({
        rps, requests: done, p50: h2ms(t?.[3]), p99: h2ms(t?.[2]),
        errors: Number(status?.[1] ?? 0) + Number(status?.[2] ?? 0), socketErrors: Number(m?.[4] ?? 0) + Number(m?.[5] ?? 0) || undefined,
        proto: /Application protocol: (\S+)/.exec(stdout)?.[1], raw: stdout,
      });
    });
  });
}

const H2UNIT = { us: 1e-3, ms: 1, s: 1000 };
function h2ms(v = '') {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  return m ? Number(m[1]) * H2UNIT[m[2]] : NaN;
}
