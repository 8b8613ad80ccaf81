/**
 * dist/ built from the current sources, once per run: the test files that run the compiled bot (`npm start`,
 * the container's command, the sharded entry) each ask for it, often at the same time in different workers.
 * Without a lock each of them ran its own tsc and esbuild on a stale tree (tens of seconds of CPU each).
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildIfStale } from '../../scripts/build.mjs';
import type { BuildState } from '../../scripts/fingerprint.mjs';

/** tsc on the whole bot takes 10-30 s on a busy machine; waiting for another worker's build included. */
export const BUILD_TIMEOUT_MS = 180_000;
const ROOT = resolve(import.meta.dirname, '..', '..');
/** Held while one worker builds (`dist.*` is ignored by git and the linter, like the build's own temp folders). */
const LOCK = join(ROOT, 'dist.test-lock');
/** A lock older than any build left by a run that was killed while building: taken over. */
const STALE_LOCK_MS = BUILD_TIMEOUT_MS;
const POLL_MS = 100;

function lockAge(): number {
  try {
    return Date.now() - statSync(LOCK).mtimeMs;
  } catch {
    return 0; // released meanwhile: the next mkdir tells
  }
}

/** Builds dist/ unless fresh, one worker at a time; the others wait and then find it fresh. */
export async function freshBuild(): Promise<BuildState> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockAge() > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`another test worker held ${LOCK} for over ${BUILD_TIMEOUT_MS} ms`);
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return buildIfStale();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
