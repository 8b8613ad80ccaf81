import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { DatabaseTooNewError, migrate } from '../../src/db/migrate.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

describe('migrations', () => {
  test('a new file is migrated to the latest version, in WAL mode with foreign keys', () => {
    const db = openDatabase(tempDatabasePath());
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.at(-1)!.version });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  test('running again changes nothing', () => {
    const db = openDatabase(tempDatabasePath());
    migrate(db);
    const latest = MIGRATIONS.at(-1)!.version;
    expect(migrate(db)).toEqual({ from: latest, to: latest });
    db.close();
  });

  test('a database from a newer release is refused, untouched', () => {
    const db = openDatabase(tempDatabasePath());
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(DatabaseTooNewError);
    expect(() => migrate(db)).toThrow(/newer release/);
    expect(db.pragma('user_version', { simple: true })).toBe(999);
    db.close();
  });

  test('a failing migration rolls back and leaves the version alone', () => {
    const db = openDatabase(tempDatabasePath());
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', up: 'CREATE TABLE ok_part (x); THIS IS NOT SQL;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok_part'").get()).toBeUndefined();
    db.close();
  });

  test('the folder of DATABASE_PATH is created', () => {
    const path = tempDatabasePath('nested/deeper');
    const db = openDatabase(path);
    migrate(db);
    db.close();
  });
});
