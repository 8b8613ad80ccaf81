import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Pages copied per backup step after the first: all of them. SQLite restarts a backup whose source another
 * connection changed between two steps, so with the bot writing, small steps might never finish; one step
 * reads one consistent snapshot, and in WAL mode the bot keeps writing meanwhile.
 */
const ALL_PAGES = 0x7fffffff;
/** How long the copy waits for a lock held by the bot (a checkpoint, a write transaction) before failing. */
const BUSY_TIMEOUT_MS = 10_000;
/** integrity_check lists at most this many problems: a badly damaged file would report thousands. */
const PROBLEMS_SHOWN = 20;

export type IntegrityResult = { ok: true } | { ok: false; problems: string[] };

export type BackupResult =
  | { ok: true; path: string; bytes: number; pages: number; ms: number }
  | { ok: false; message: string; problems?: string[] };

/** PRAGMA integrity_check on a database file; a file SQLite cannot even read is a problem too, not a throw. */
export function checkIntegrity(path: string): IntegrityResult {
  if (!existsSync(path)) return { ok: false, problems: [`no file at ${path}`] };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const rows = db.pragma(`integrity_check(${PROBLEMS_SHOWN})`, { simple: false }) as { integrity_check: string }[];
    const problems = rows.map((row) => row.integrity_check);
    return problems.length === 1 && problems[0] === 'ok' ? { ok: true } : { ok: false, problems };
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  } finally {
    db?.close();
  }
}

/**
 * A consistent copy of the bot's database while the bot runs (SQLite's online backup API), checked with
 * integrity_check before it takes the destination's name; an existing file is replaced only with `force`.
 */
export async function backupDatabase(source: string, destination: string, options: { force?: boolean } = {}): Promise<BackupResult> {
  const from = resolve(source);
  const to = resolve(destination);
  if ([from, `${from}-wal`, `${from}-shm`, `${from}-journal`].includes(to)) return { ok: false, message: `${destination} is the database itself (DATABASE_PATH); choose another file.` };
  if (!existsSync(from)) return { ok: false, message: `There is no database at ${source} (DATABASE_PATH).` };
  if (existsSync(to) && !options.force) return { ok: false, message: `${destination} already exists; choose a new file name, or add --force to replace it.` };
  if (!existsSync(dirname(to))) return { ok: false, message: `The folder ${dirname(destination)} does not exist.` };

  // Written beside the destination first: a failed or interrupted copy never takes the destination's name.
  const partial = join(dirname(to), `.${basename(to)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  const started = performance.now();
  let pages: number;
  try {
    const db = new Database(from, { fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      pages = (await db.backup(partial, { progress: () => ALL_PAGES })).totalPages;
    } finally {
      db.close();
    }
  } catch (error) {
    rmSync(partial, { force: true });
    return { ok: false, message: `The copy failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const integrity = checkIntegrity(partial);
  if (!integrity.ok) return { ok: false, message: `The copy failed integrity_check; it is kept for inspection at ${partial}.`, problems: integrity.problems };
  if (existsSync(to) && !options.force) {
    rmSync(partial, { force: true });
    return { ok: false, message: `${destination} appeared while copying; nothing was replaced.` };
  }
  try {
    renameSync(partial, to);
  } catch (error) {
    rmSync(partial, { force: true });
    return { ok: false, message: `Could not write ${destination}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, path: to, bytes: statSync(to).size, pages, ms: Math.round(performance.now() - started) };
}
