import type { Db } from './connection.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';

/** The database holds migrations this code does not have: a newer release, or another branch, wrote it. */
export class DatabaseTooNewError extends Error {
  constructor(what: string) {
    super(`The database file has ${what}, which this version of the bot does not know. It was probably written by a newer release: update the bot, or point DATABASE_PATH at another file. Nothing was changed.`);
    this.name = 'DatabaseTooNewError';
  }
}

export interface MigrateResult {
  /** The highest migration applied before and after (0: a new file). */
  from: number;
  to: number;
  /** The migrations applied now, in order (lower numbers merged late included). */
  applied: number[];
}

/** Before this table, progress was only PRAGMA user_version, so a lower number merged after a higher one was skipped. */
const CREATE_RECORD = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)';

/**
 * Applies every migration the database has not recorded, lowest first, each in its own transaction that records
 * it. A file from before the record (PRAGMA user_version N) is adopted: 1..N count as applied, none runs again.
 * A file with a migration this code does not know is refused untouched. Start-up with nothing to do is one query.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): MigrateResult {
  const known = ordered(migrations);
  const recorded = readRecord(db) ?? adopt(db, known, now());
  const unknown = recorded.filter((r) => !known.some((m) => m.version === r.version));
  if (unknown.length > 0) throw new DatabaseTooNewError(`migration ${unknown.map((m) => `${m.version} (${m.name})`).join(', ')}`);
  const done = new Set(recorded.map((r) => r.version));
  const from = Math.max(0, ...done);
  const pending = known.filter((m) => !done.has(m.version));
  if (pending.length === 0) return { from, to: from, applied: [] };
  const record = db.prepare('INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of pending) {
    // Immediate: of several processes starting on one file, the first applies it and the others find it recorded.
    const ran = db.transaction(() => {
      if (record.run(migration.version, migration.name, now()).changes === 0) return false;
      db.exec(migration.up);
      // Kept for releases from before the record: they refuse a file whose user_version is above what they know.
      db.pragma(`user_version = ${Math.max(from, ...applied, migration.version)}`);
      return true;
    }).immediate();
    if (ran) applied.push(migration.version);
  }
  return { from, to: Math.max(from, ...applied), applied };
}

function ordered(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const twice = sorted.find((m, n) => n > 0 && sorted[n - 1]!.version === m.version);
  if (twice) throw new Error(`two migrations are numbered ${twice.version}`);
  return sorted;
}

/** What the database recorded; undefined when it has no record yet (a new file, or one from before the record). */
function readRecord(db: Db): { version: number; name: string }[] | undefined {
  try {
    return db.prepare('SELECT version, name FROM schema_migrations').all() as { version: number; name: string }[];
  } catch (error) {
    if (error instanceof Error && /no such table: schema_migrations/.test(error.message)) return undefined;
    throw error;
  }
}

/** Starts the record: migrations 1..user_version count as applied (a new file has user_version 0: none). */
function adopt(db: Db, known: readonly Migration[], at: number): { version: number; name: string }[] {
  const latest = known.at(-1)?.version ?? 0;
  return db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    // A newer release's file with no record: refused before anything is written (the transaction is rolled back).
    if (version > latest) throw new DatabaseTooNewError(`schema version ${version} (this one knows up to ${latest})`);
    db.exec(CREATE_RECORD);
    const record = db.prepare('INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const adopted = known.filter((m) => m.version <= version);
    for (const m of adopted) record.run(m.version, m.name, at);
    return adopted.map(({ version: v, name }) => ({ version: v, name }));
  }).immediate();
}
