// Switchyard with a demo-like rule set: path, MIME and header rules ahead of the catch-all, a hashing
// pool (the first of mh / chbl / dh that is registered, else rr), connection affinity when the
// validator accepts it. Needs `npm run build` first (reads dist/).
// Usage: node switchyard.mjs <port> [--workers N] [--engine fast|node] [--tls <port> <cert> <key>] [--http2] <backend-url>...
// --tls adds an HTTPS listener with the given PEM files; --http2 sets `http2: true` on it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.SWITCHYARD_DIST ? new URL(`file://${process.env.SWITCHYARD_DIST.replace(/\/?$/, '/')}`) : new URL('../../dist/', import.meta.url);
const { validate } = await import(new URL('config/validate.js', dist).href);
const { getScheduler } = await import(new URL('schedulers/registry.js', dist).href);

const args = process.argv.slice(2);
const port = Number(args.shift());
let workers = 1;
let tls;
let http2 = false;
/** listen.engine of the cleartext listener (unset: the build's default). */
let engine;
while (args[0]?.startsWith('--')) {
  const a = args.shift();
  if (a === '--workers') {
    const w = args.shift();
    workers = w === 'auto' ? 'auto' : Number(w);
  } else if (a === '--tls') {
    const [tlsPort, cert, key] = args.splice(0, 3);
    tls = { port: Number(tlsPort), cert, key };
  } else if (a === '--http2') http2 = true;
  else if (a === '--engine') engine = args.shift();
  else throw new Error(`unknown option ${a}`);
}
const urls = args;
const plain = { host: '127.0.0.1', port, ...(engine ? { engine } : {}) };
const listen = tls
  ? [plain, { host: '127.0.0.1', port: tls.port, tls: { cert: tls.cert, key: tls.key }, ...(http2 ? { http2: true } : {}) }]
  : plain;

const scheduler = ['mh', 'chbl', 'dh'].find((n) => getScheduler(n)?.hashing) ?? 'rr';
const base = (affinity) => ({
  listen,
  admin: { host: '127.0.0.1', port: 0 }, // on, as in the demo (its stats observe every request)
  log: { level: 'warn', access: false },
  ...(workers === 1 ? {} : { workers }),
  pools: {
    web: { scheduler, hashKey: 'path', ...(affinity ? { affinity } : {}), backends: urls },
    images: { scheduler: 'rr', backends: urls },
    cgi: { scheduler: 'rr', backends: urls },
    beta: { scheduler: 'rr', backends: urls },
  },
  routes: [
    { name: 'cgi', match: { path: ['/cgi-bin/**', '**/*.{cgi,pl,php}'] }, pool: 'cgi' },
    { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
    { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'beta' },
    { name: 'web', match: {}, pool: 'web' },
  ],
});

let input = base('connection');
let affinity = 'connection';
if (validate(input).config === undefined) {
  input = base(undefined);
  affinity = 'none';
}
const { config, problems } = validate(input);
if (!config) throw new Error('bench config rejected: ' + JSON.stringify(problems));

// Go through the CLI's start() so `workers` takes effect wherever it is implemented.
const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'));
const file = join(dir, 'bench.config.mjs');
writeFileSync(file, `export default ${JSON.stringify(input, null, 2)};\n`);
const { start } = await import(new URL('cli/start.js', dist).href);
const origWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true; // start() prints a banner; keep stdout for the runner's "ready"
await start(file, { demo: false });
process.stdout.write = origWrite;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => process.exit(0)); // so 'exit' runs
process.stderr.write(`switchyard: scheduler ${scheduler}, affinity ${affinity}, workers ${workers}\n`);
origWrite('ready\n');
