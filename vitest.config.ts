import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Signals a whole `npm start` process tree: run alone (`npm run test:stopping`), not beside other files.
    exclude: process.env.BATON_TEST_STOPPING ? [] : ['test/dev/npm-start.test.ts'],
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
