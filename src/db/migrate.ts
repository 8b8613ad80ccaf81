import type { Db } from './connection.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';

export class DatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(`The database file is at schema version ${found}, but this version of the bot only knows up to ${known}. It was probably written by a newer release: update the bot, or point DATABASE_PATH at another file.`);
    this.name = 'DatabaseTooNewError';
  }
}

/** Runs the pending migrations, each in its own transaction that also bumps PRAGMA user_version. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const latest = migrations.at(-1)?.version ?? 0;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > latest) throw new DatabaseTooNewError(from, latest);
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      db.exec(migration.up);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return { from, to: Math.max(from, latest) };
}
