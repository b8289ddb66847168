// Switchyard with a demo-like rule set: path, MIME and header rules ahead of the catch-all, a hashing
// pool (the first of mh / chbl / dh that is registered, else rr), connection affinity when the
// validator accepts it. Needs `npm run build` first (reads dist/).
// Usage: node switchyard.mjs <port> [--workers N] <backend-url>...
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.SWITCHYARD_DIST ? new URL(`file://${process.env.SWITCHYARD_DIST.replace(/\/?$/, '/')}`) : new URL('../../dist/', import.meta.url);
const { validate } = await import(new URL('config/validate.js', dist).href);
const { getScheduler } = await import(new URL('schedulers/registry.js', dist).href);

const args = process.argv.slice(2);
const port = Number(args.shift());
let workers = 1;
if (args[0] === '--workers') {
  args.shift();
  const w = args.shift();
  workers = w === 'auto' ? 'auto' : Number(w);
}
const urls = args;

const scheduler = ['mh', 'chbl', 'dh'].find((n) => getScheduler(n)?.hashing) ?? 'rr';
const base = (affinity) => ({
  listen: { host: '127.0.0.1', port },
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
