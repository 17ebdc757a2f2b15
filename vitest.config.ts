import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Workers and the dev server share 2 cores; a few files at once is the sweet spot.
    maxWorkers: 3,
    pool: 'forks',
  },
});
