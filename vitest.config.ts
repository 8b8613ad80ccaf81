import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Most files wait on fake servers, timers and child processes rather than compute: more files than cores run at once.
    maxWorkers: 4,
    // A worker keeps its loaded modules from one file to the next: loading discord.js, openai and the bot again for
    // every file was half the suite's CPU time. Each file still starts its own fakes, bot and database, and no module
    // holds state a later file could trip on (caches of pure results only); tests restore what they change (timers).
    isolate: false,
  },
});
