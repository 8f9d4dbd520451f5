import { defineConfig } from 'vitest/config';

const env = { POWERTOOLS_LOG_LEVEL: 'SILENT', TZ: 'UTC' };

/**
 * Three projects: `unit` (pure rules, no I/O), `integration` (the real handlers against an in-process
 * dynalite per test file) and `api` (the local server as a child process, over HTTP).
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
    ],
  },
});
