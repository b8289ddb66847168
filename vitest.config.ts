import { defineConfig } from 'vitest/config';

// Two projects: `unit` (npm test: needs only Node) and `e2e` (npm run test:e2e: needs Debian's
// chromium, redis-server, curl and openssl, which .ci/run installs). In both, a test that makes no expect() call
// fails (requireAssertions). Shared helpers: test/helpers.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          expect: { requireAssertions: true },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          expect: { requireAssertions: true },
        },
      },
    ],
  },
});
