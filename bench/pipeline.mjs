// The pipeline's CPU per request with no route action configured (issue 15 "Done when"):
// admit() (request checks, path policy, matching, request ID, rate-limit and action hooks,
// fallback check) plus the first decideAttempt() (scheduler pick), on the demo's rule set, with
// `requestId` on (the default) and off. Given a second build, both run in the same process,
// interleaved round by round, and the same-round ratios are printed.
// Build first:  npm run -s build   then:  node bench/pipeline.mjs [--baseline OTHER_DIST] [--rounds 21]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv;
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const ROUNDS = Number(opt('--rounds', 21));
const N = 100_000;
const here = resolve(import.meta.dirname, '../dist');

const config = (requestId) => ({
  listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, ...(requestId ? {} : { requestId: false }),
  pools: {
    html: { scheduler: 'lard', backends: ['http://127.0.0.1:9101', 'http://127.0.0.1:9102'] },
    images: { scheduler: 'chbl', hashKey: 'path', backends: ['http://127.0.0.1:9201', 'http://127.0.0.1:9202', 'http://127.0.0.1:9203'] },
    cgi: { scheduler: 'wlc', backends: ['http://127.0.0.1:9301', 'http://127.0.0.1:9302'] },
  },
  routes: [
    { name: 'cgi', match: { path: ['/cgi-bin/**', '**/*.{cgi,pl,php}'] }, pool: 'cgi' },
    { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
    { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'html' },
    { name: 'html', match: {}, pool: 'html' },
  ],
});

const heads = Array.from({ length: 256 }, (_, i) => ({
  method: 'GET',
  url: i % 3 === 0 ? `/img/${i}.png` : i % 3 === 1 ? `/page/${i}.html` : `/cgi-bin/env?i=${i}`,
  httpVersionMajor: 1, httpVersionMinor: 1,
  rawHeaders: ['Host', 'shop.test', 'User-Agent', 'bench', 'Accept', '*/*'],
  headers: { host: 'shop.test', 'user-agent': 'bench', accept: '*/*' },
}));
const conn = { address: '10.0.0.7', port: 5555, socket: undefined };

/** One request through a build's pipeline, as a closure. */
async function setup(dist, requestId) {
  const load = (f) => import(pathToFileURL(resolve(dist, f)).href);
  const [{ validate }, { Router }, { admit, frontRules }, { decideAttempt }] = await Promise.all(
    ['config/validate.js', 'router.js', 'pipeline/admit.js', 'pipeline/decide.js'].map(load));
  const { config: c, problems } = validate(config(requestId));
  if (!c) throw new Error(JSON.stringify(problems));
  const router = new Router(c, {});
  const rules = frontRules(c.listen[0], 'request');
  let i = 0;
  return () => {
    const r = admit(router.current, router, rules, heads[i++ & 255], conn);
    if (r.kind !== 'routed' || decideAttempt(r, undefined).backend === null) throw new Error('not routed');
  };
}

function nsPerRequest(run) {
  const c0 = process.cpuUsage();
  for (let k = 0; k < N; k++) run();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / N;
}

const baseline = opt('--baseline', undefined);
const runs = { 'this build': await setup(here, true), 'this build, requestId: false': await setup(here, false) };
// the baseline runs its defaults (a build from before issue 15 has no requestId key)
if (baseline) runs['baseline'] = await setup(resolve(baseline), true);
for (const run of Object.values(runs)) nsPerRequest(run); // warm-up
const got = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) for (const [k, run] of Object.entries(runs)) got[k].push(nsPerRequest(run));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`admit + decideAttempt, ${N} requests a round, ${ROUNDS} rounds, Node ${process.version}`);
for (const [k, xs] of Object.entries(got)) console.log(`${k.padEnd(30)} ${median(xs).toFixed(0).padStart(6)} ns/request (median)`);
if (baseline) {
  for (const k of ['this build', 'this build, requestId: false']) {
    const ratios = got[k].map((x, i) => x / got['baseline'][i]);
    console.log(`${k} ÷ baseline: ${median(ratios).toFixed(3)} (median of same-round ratios)`);
  }
}
process.exit(0);
