import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that fire dozens of interactions at once against the fake's 3 s acknowledgement deadline, or time the
 * bot's waits: each still runs in a fresh process, as every file used to, so nothing a worker kept from earlier
 * files (a larger heap to collect) adds to their timing. A precaution: on a machine loaded far past its cores they
 * missed their deadlines in fresh processes too. acknowledgeFirst counts the fake timers its own code set: in a shared
 * worker, the sockets and clients an earlier file left closing set timers of their own meanwhile (23 counted, not 2).
 */
const FRESH_PROCESS = [
  'test/services/budget/concurrency.test.ts',
  'test/commands/operator.test.ts',
  'test/resilience/crash.test.ts',
  'test/resilience/shutdown.test.ts',
  'test/services/askFailures.test.ts',
  'test/services/discord/acknowledgeFirst.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Most files wait on fake servers, timers and child processes rather than compute: more files than cores run at once.
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...FRESH_PROCESS],
          // A worker keeps its loaded modules from one file to the next: loading discord.js, openai and the bot again
          // for every file was half the suite's CPU time. Each file still starts its own fakes, bot and database, no
          // module holds state a later file could trip on (caches of pure results only), and tests restore what they
          // change (timers).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'fresh-process', include: FRESH_PROCESS, isolate: true } },
    ],
  },
});
