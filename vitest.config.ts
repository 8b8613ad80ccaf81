import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Most files wait on fake servers, timers and child processes rather than compute: more files than cores run at once.
    maxWorkers: 4,
  },
});
