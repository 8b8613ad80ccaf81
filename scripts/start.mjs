/**
 * `npm start`: runs the compiled bot (dist/index.js) in this same process, so there is no second Node
 * process and nothing is compiled while the bot runs. A build older than the sources is redone first
 * (or, without TypeScript installed, refused), so edited code never runs stale.
 */
import process from 'node:process';
import { buildState, build } from './build.mjs';

const state = buildState();
if (state !== 'fresh') {
  process.stderr.write(`The compiled bot in dist/ is ${state === 'missing' ? 'missing' : 'older than src/'}: building it first (tsc, about 10 s)…\n`);
  try {
    build();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nThe bot did not start.\n`);
    process.exit(1);
  }
}
await import('../dist/index.js');
