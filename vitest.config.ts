import { defineConfig } from 'vitest/config';

const env = { POWERTOOLS_LOG_LEVEL: 'SILENT', TZ: 'UTC', FREEZE_SETTLE: 'PT2S' };

/**
 * Four projects: `unit` (pure rules, no I/O), `integration` (the real handlers against an in-process
 * dynalite per test file), `api` (the local server as a child process, over HTTP) and `e2e` (the pages in
 * headless Chromium against that server).
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], env } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          setupFiles: ['test/support/dynalite-setup.ts'],
          env,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      { test: { name: 'api', include: ['test/api/**/*.test.ts'], env, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env, testTimeout: 90_000, hookTimeout: 60_000 } },
    ],
  },
});
