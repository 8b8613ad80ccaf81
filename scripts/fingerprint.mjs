/**
 * Whether dist/ was built from the current sources, for `npm start` (scripts/start.mjs) and the build (scripts/build.mjs).
 * Kept apart from build.mjs so that a start whose build is fresh loads neither the build's tools nor its imports.
 *
 * The fingerprint file holds a hash of every input's path and contents and, on a second line, a hash of every input's
 * path, size and modification time taken before the contents were read. A start compares the second first: when no
 * file was added, removed, resized or rewritten since the build, the build is fresh without reading the sources
 * (~3 ms of CPU instead of ~17 ms). Anything else (a file touched, a build from before the second line, a build of
 * files saved within 2 s of it: see RACY_MARGIN_NS) is decided by the contents, as before.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Written last into the output folder: a build without it (interrupted, or older than this check) counts as stale. */
export const FINGERPRINT_FILE = '.fingerprint';
/**
 * Besides everything under src/: the compiler settings, the scripts that make the output (and check it), and the list
 * npm rewrites whenever it installs or updates a library (the bundle holds the libraries: a new one must be bundled).
 */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/sourceMaps.mjs', 'scripts/fingerprint.mjs', 'node_modules/.package-lock.json'];

function filesUnder(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** Every input, relative to `root` with forward slashes, in a stable order. */
function inputs(root) {
  const files = [...filesUnder(join(root, 'src')), ...INPUTS.map((file) => join(root, file)).filter((file) => existsSync(file))];
  return files.map((f) => relative(root, f).split('\\').join('/')).sort();
}

/** A hash of the paths and contents of every input, in a stable order. */
export function sourceFingerprint(root = DEFAULT_ROOT) {
  const hash = createHash('sha256');
  for (const file of inputs(root)) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

/**
 * A file modified this close to the moment the build takes its stats could be rewritten within the same tick of the
 * file system's clock, same size and same time (2 s on FAT, 1 s on HFS+ and some network mounts, a few ms on Linux
 * before 6.13): such a build writes no stat line, and starts decide by the contents (git's "racily clean" files).
 */
const RACY_MARGIN_NS = 2_000_000_000n;

/** The hash of every input's path, size and modification time, and the newest of those times. */
function statsOf(root) {
  const hash = createHash('sha256');
  let newest = 0n;
  for (const file of inputs(root)) {
    const { size, mtimeNs } = statSync(join(root, file), { bigint: true });
    hash.update(`${file}\0${size}\0${mtimeNs}\0`);
    if (mtimeNs > newest) newest = mtimeNs;
  }
  return { hash: hash.digest('hex'), newest };
}

/** A hash of the path, size and modification time (to the nanosecond the file system keeps) of every input. */
export function statFingerprint(root = DEFAULT_ROOT) {
  return statsOf(root).hash;
}

/**
 * What the fingerprint file says: `${contents}\n${stats}\n`. The stats are taken first, so an edit while hashing shows
 * as a mismatch; they are left out when an input was modified within RACY_MARGIN_NS of taking them.
 */
export function fingerprintOf(root = DEFAULT_ROOT) {
  const takenAt = BigInt(Date.now()) * 1_000_000n;
  const { hash, newest } = statsOf(root);
  const stats = newest < takenAt - RACY_MARGIN_NS ? hash : '';
  return `${sourceFingerprint(root)}\n${stats}\n`;
}

/** 'fresh' when dist/ was built from exactly the current sources, else why not. */
export function buildState(root = DEFAULT_ROOT) {
  const stamp = join(root, 'dist', FINGERPRINT_FILE);
  if (!existsSync(stamp)) return 'missing';
  const [contents, stats] = readFileSync(stamp, 'utf8').split('\n');
  if (stats && stats === statFingerprint(root)) return 'fresh';
  return contents === sourceFingerprint(root) ? 'fresh' : 'stale';
}
