// Type-level fixture (compiled by test/config/types.test.ts and by `npm run typecheck`): every
// line after a `@ts-expect-error` holds one config typo that `tsc` must reject.
import { defineConfig } from '../../../src/index.js';

const backends = ['http://127.0.0.1:9101'];

// A correct config type-checks (every key below is spelled right).
export const good = defineConfig({
  listen: { port: 8080, limits: { maxBodySize: 1_000_000 } },
  pools: {
    images: { scheduler: 'chbl', balanceFactor: 1.5, backends, outlier: { baseEjectionTime: 1000 }, maxEjectPercent: 20 },
    html: { scheduler: 'maglev', tableSize: 251, backends, health: { path: '/h', initial: 'down' } },
    cgi: { backends, affinity: { header: 'x-user' } },
  },
  routes: [{ match: { headers: { 'x-beta': /1/ }, query: { v: '2' } }, pool: 'images' }, { pool: 'html' }, { pool: 'cgi' }],
});

export const unknownScheduler = defineConfig({
  // @ts-expect-error 'chb' is not a scheduler
  pools: { images: { scheduler: 'chb', backends } },
  routes: [{ pool: 'images' }],
});

export const paramOfAnotherScheduler = defineConfig({
  // @ts-expect-error tableSize belongs to mh, not chbl
  pools: { images: { scheduler: 'chbl', tableSize: 251, backends } },
  routes: [{ pool: 'images' }],
});

export const misspelledParam = defineConfig({
  // @ts-expect-error balanceFactr
  pools: { images: { scheduler: 'chbl', balanceFactr: 1.5, backends } },
  routes: [{ pool: 'images' }],
});

export const undefinedPool = defineConfig({
  pools: { images: { scheduler: 'chbl', backends } },
  // @ts-expect-error no pool named 'static'
  routes: [{ pool: 'static' }],
});

export const misspelledPoolKey = defineConfig({
  // @ts-expect-error conectTimeout
  pools: { images: { scheduler: 'rr', conectTimeout: 100, backends } },
  routes: [{ pool: 'images' }],
});

export const misspelledOutlierKey = defineConfig({
  pools: {
    images: {
      scheduler: 'rr', backends,
      // @ts-expect-error baseEjectonTime
      outlier: { baseEjectonTime: 1000 },
    },
  },
  routes: [{ pool: 'images' }],
});

export const misspelledHealthKey = defineConfig({
  pools: {
    images: {
      scheduler: 'rr', backends,
      // @ts-expect-error intervall
      health: { intervall: 1000 },
    },
  },
  routes: [{ pool: 'images' }],
});

export const badHealthInitial = defineConfig({
  pools: {
    images: {
      scheduler: 'rr', backends,
      // @ts-expect-error initial is 'up' or 'down'
      health: { initial: 'sideways' },
    },
  },
  routes: [{ pool: 'images' }],
});

export const misspelledTopKey = defineConfig({
  pools: { images: { backends } },
  routes: [{ pool: 'images' }],
  // @ts-expect-error afinity
  afinity: { timeout: 10 },
});
