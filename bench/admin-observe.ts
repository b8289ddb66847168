// Hot-path cost of the admin stats observer (ns per finished request) and of the once-a-second tick.
//   npx tsx bench/admin-observe.ts
import { pino } from 'pino';
import { validate } from '../src/config/validate.js';
import { Router } from '../src/router.js';
import { Stats } from '../src/admin/stats.js';
const { config } = validate({ admin: false, log: { level: 'silent' }, pools: { web: { scheduler: 'rr', backends: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] } }, routes: [{ name: 'all', pool: 'web' }] });
const router = new Router(config!, { logger: pino({ level: 'silent' }) });
const stats = new Stats(router);
const recs = Array.from({ length: 1000 }, (_, i) => ({ method: 'GET', path: `/p/${i % 300}`, status: i % 50 === 0 ? 502 : 200, route: 'all', pool: 'web', backend: i % 2 ? '127.0.0.1:9001' : '127.0.0.1:9002', clientIp: '127.0.0.1', ms: 0.5 + (i % 97) / 10, attempts: 1, error: undefined, cache: i % 3 ? 'HIT' : 'MISS' }));
for (let r = 0; r < 3; r++) {
  const N = 2_000_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) stats.observe(recs[i % 1000]!);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  const t1 = process.hrtime.bigint();
  stats.tick();
  console.log(`observe: ${ns.toFixed(0)} ns/request; tick: ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(2)} ms`);
}
await router.close(0);
