import { defineConfig } from 'vitest/config';

/**
 * Suites `npm test` leaves to their own scripts (CI runs each after it): the crash and restart
 * tests, the end-to-end user flows, the CLI-process suites and the long runs are slow, and `npm-start` signals a whole process tree, so
 * it runs alone. Each runs when its variable is set.
 */
const OWN_SCRIPT: Record<string, string[]> = {
  BATON_TEST_STOPPING: ['test/dev/npm-start.test.ts'],
  BATON_TEST_DURABILITY: ['test/durability/**'],
  BATON_TEST_E2E: ['test/e2e/**'],
  // The suites that start a `baton` process per case (a tsx start each), and long runs.
  BATON_TEST_CLI: ['test/hardening/bad-inputs.test.ts', 'test/client/cli-runs.test.ts'],
  BATON_TEST_SCALE: ['test/scale/**'],
  BATON_TEST_CONSOLE: ['test/console/**'],
  // Temporal on PostgreSQL (docs/postgres.md): builds Go binaries on a first run, starts its own servers.
  BATON_TEST_POSTGRES: ['test/postgres/**'],
};

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: Object.entries(OWN_SCRIPT)
      .filter(([variable]) => !process.env[variable])
      .flatMap(([, files]) => files),
    globalSetup: ['test/global-setup.ts'],
    // mvn package of a generated project takes 5-25 s: off by default, on in `npm run test:maven`.
    env: { BATON_BUILD_MAVEN: process.env.BATON_BUILD_MAVEN ?? '0' },
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Workers, CLI processes and the dev server share 2 cores: two files at a time, and timeouts that
    // allow for a loaded machine (they bound a stuck test; they are not speed assertions).
    maxWorkers: 2,
    pool: 'forks',
  },
});
