/** Migration 0016 (fine_tune_starts), in the style of migrate.test.ts: a real file, the real runner. */
import { describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { FineTuneStore } from '../../src/db/fineTunes.ts';
import { migrate } from '../../src/db/migrate.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const M0016 = MIGRATIONS.find((m) => m.version === 16)!;
const columns = (db: Db) => db.prepare("SELECT name FROM pragma_table_info('fine_tune_starts') ORDER BY cid").pluck().all();

/** A file at 0015 with a start still unconfirmed and one already confirmed (by a version that remembered nothing). */
function atVersion15(): { db: Db } {
  const db = openDatabase(tempDatabasePath());
  migrate(db, MIGRATIONS.filter((m) => m.version <= 15));
  db.prepare(`INSERT INTO ledger (guild_id, user_id, channel_id, command, model, state, reserved_micros, charged_micros, bucket, created_at, long_running)
    VALUES ('g', 'u', 'c', 'finetune', 'm', 'reserved', 1, 1, 0, 0, 1)`).run();
  const insert = db.prepare(`INSERT INTO fine_tune_jobs (job_id, guild_id, channel_id, user_id, language, file_id, base_model, reserved_epochs, status, reservation_id, reserved_micros, created_at)
    VALUES (?, 'g', 'c', 'u', 'en', 'file-1', 'm', 3, ?, 1, 1, 0)`);
  insert.run('unconfirmed-a', 'unconfirmed');
  insert.run('ftjob-b', 'running');
  return { db };
}

describe('migration 0016: what became of each start\'s unconfirmed id', () => {
  test('applied to a file at 0015: the table is added empty, the jobs are untouched, and a confirmation is remembered from then on', () => {
    const { db } = atVersion15();
    expect(migrate(db)).toMatchObject({ from: 15, applied: expect.arrayContaining([16]) });
    expect(columns(db)).toEqual(['unconfirmed_id', 'job_id', 'unanswered']);
    expect(db.prepare('SELECT COUNT(*) FROM fine_tune_starts').pluck().get()).toBe(0);
    expect(db.prepare('SELECT job_id FROM fine_tune_jobs ORDER BY rowid').pluck().all()).toEqual(['unconfirmed-a', 'ftjob-b']);
    const store = new FineTuneStore(db);
    store.noteUnanswered('unconfirmed-a', 'error');
    expect(store.confirmJob('unconfirmed-a', 'ftjob-a', 'queued')).toBe(true);
    expect([store.confirmedAs('unconfirmed-a'), store.unansweredCause('unconfirmed-a'), store.confirmedAs('unconfirmed-b')]).toEqual(['ftjob-a', 'error', undefined]);
    // A second confirmation (another process got there first) changes nothing and remembers nothing new.
    expect(store.confirmJob('unconfirmed-a', 'ftjob-other', 'queued')).toBe(false);
    expect(store.confirmedAs('unconfirmed-a')).toBe('ftjob-a');
    db.close();
  });

  test('idempotent: its SQL run again on a file that has the table changes nothing and keeps what it holds', () => {
    const { db } = atVersion15();
    migrate(db);
    const store = new FineTuneStore(db);
    store.confirmJob('unconfirmed-a', 'ftjob-a', 'queued');
    db.exec(M0016.up);
    expect(columns(db)).toEqual(['unconfirmed_id', 'job_id', 'unanswered']);
    expect(store.confirmedAs('unconfirmed-a')).toBe('ftjob-a');
    db.close();
  });

  test('only the three known ways an answer failed are stored', () => {
    const { db } = atVersion15();
    migrate(db);
    expect(() => db.prepare("INSERT INTO fine_tune_starts (unconfirmed_id, unanswered) VALUES ('unconfirmed-x', 'maybe')").run()).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
