/**
 * Compiles src/ to dist/ with tsc (tsconfig.build.json), and only when the sources changed since the
 * last build: a fingerprint of every file the output depends on is written next to the output.
 * `npm install` runs it (prepare) and `npm start` checks it (scripts/start.mjs), so a stale build never runs.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Written last into the output folder: a build without it (interrupted, or older than this check) counts as stale. */
const FINGERPRINT_FILE = '.fingerprint';
/** Besides everything under src/: the compiler settings, and this script (how the output is made). */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

function filesUnder(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** A hash of the paths and contents of every input, in a stable order. */
export function sourceFingerprint(root = DEFAULT_ROOT) {
  const hash = createHash('sha256');
  const files = [...filesUnder(join(root, 'src')), ...INPUTS.map((file) => join(root, file)).filter((file) => existsSync(file))];
  for (const file of files.map((f) => relative(root, f).split('\\').join('/')).sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** 'fresh' when dist/ was built from exactly the current sources, else why not. */
export function buildState(root = DEFAULT_ROOT) {
  const stamp = join(root, 'dist', FINGERPRINT_FILE);
  if (!existsSync(stamp)) return 'missing';
  return readFileSync(stamp, 'utf8').trim() === sourceFingerprint(root) ? 'fresh' : 'stale';
}

function tscPath(root) {
  try {
    return join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    throw new Error('Building the bot needs TypeScript, a development dependency: run `npm install` (without --omit=dev) first.');
  }
}

/**
 * Compiles into a fresh folder, then swaps it in: a bot already running keeps its files, and two builds
 * at once each produce a complete dist/. Returns the fingerprint built.
 */
export function build(root = DEFAULT_ROOT) {
  const fingerprint = sourceFingerprint(root);
  const temp = join(root, `dist.building-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  rmSync(temp, { recursive: true, force: true });
  // tsc reports errors on stdout: sent to stderr, so a start that fails prints nothing on the bot's stdout.
  const tsc = spawnSync(process.execPath, [tscPath(root), '-p', join(root, 'tsconfig.build.json'), '--outDir', temp], { cwd: root, stdio: ['ignore', 2, 2] });
  if (tsc.status !== 0) {
    rmSync(temp, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal}): the bot was not built.`);
  }
  writeFileSync(join(temp, FINGERPRINT_FILE), `${fingerprint}\n`);
  if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), old);
  try {
    renameSync(temp, join(root, 'dist'));
  } catch {
    // Another build swapped its complete output in first: keep that one.
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
  return fingerprint;
}

/** Builds unless dist/ is already fresh; returns what it found. */
export function buildIfStale(root = DEFAULT_ROOT) {
  const state = buildState(root);
  if (state !== 'fresh') build(root);
  return state;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const state = process.argv.includes('--force') ? (build(), 'forced') : buildIfStale();
    process.stdout.write(state === 'fresh' ? 'dist/ is up to date.\n' : `dist/ built (${state === 'forced' ? 'forced' : `was ${state}`}).\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
