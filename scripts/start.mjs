/**
 * `npm start`: runs the compiled bot (dist/index.js, bundled by scripts/build.mjs) in this same process, so there is no second Node
 * process and nothing is compiled while the bot runs. A build older than the sources is redone first
 * (or, without TypeScript installed, refused), so edited code never runs stale.
 */
import nodeModule from 'node:module';
import process from 'node:process';
import { buildState } from './fingerprint.mjs';

const state = buildState();
if (state !== 'fresh') {
  process.stderr.write(`The compiled bot in dist/ is ${state === 'missing' ? 'missing' : 'older than src/'}: building it first (tsc and esbuild, about 10 s)…\n`);
  try {
    // Loaded only here: a start with a fresh build doesn't load the build's tools.
    const { build } = await import('./build.mjs');
    build();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nThe bot did not start.\n`);
    process.exit(1);
  }
}
// A crash's stack names the TypeScript lines, as the stacks the bot logs do (without Node's --enable-source-maps,
// which maps every stack read anywhere: see src/stackTrace.ts). Node's own report would exit 1 as well.
const { reportCrashesMapped } = await import('../dist/stackTrace.js').catch(() => ({ reportCrashesMapped: () => undefined }));
reportCrashesMapped();
// Node 22.1+ keeps V8's compiled code between starts (most of the start-up is compiling); Node 20 has no such cache.
nodeModule.enableCompileCache?.();
await import('../dist/index.js');
