/** Migration 0017 (a job's run of 404s) and the store's side of it, on a real file shared by two processes' stores. */
import { describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { FineTuneStore } from '../../src/db/fineTunes.ts';
import { migrate } from '../../src/db/migrate.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

/** A file at 0016 with one followed job, then migrated: a job from before 0017 starts with no run of 404s. */
function withJob(): { path: string; db: Db } {
  const path = tempDatabasePath();
  const db = openDatabase(path);
  migrate(db, MIGRATIONS.filter((m) => m.version <= 16));
  db.prepare(`INSERT INTO ledger (guild_id, user_id, channel_id, command, model, state, reserved_micros, charged_micros, bucket, created_at, long_running)
    VALUES ('g', 'u', 'c', 'finetune', 'm', 'reserved', 1, 1, 0, 0, 1)`).run();
  db.prepare(`INSERT INTO fine_tune_jobs (job_id, guild_id, channel_id, user_id, language, file_id, base_model, reserved_epochs, status, reservation_id, reserved_micros, created_at)
    VALUES ('ftjob-a', 'g', 'c', 'u', 'en', 'file-1', 'm', 3, 'running', 1, 1, 0)`).run();
  expect(migrate(db)).toMatchObject({ from: 16, applied: [17] });
  return { path, db };
}

describe('migration 0017: a job\'s run of 404s', () => {
  test('a job from before it has none; two processes noting 404s agree on when the run began, and only the first begins it', () => {
    const { path, db } = withJob();
    const other = openDatabase(path);
    const [a, b] = [new FineTuneStore(db), new FineTuneStore(other)];
    expect(a.job('g', 'ftjob-a')).toMatchObject({ missingSince: null, missingCheckedAt: null });
    expect(a.noteMissing('ftjob-a', 1_000)).toEqual({ since: 1_000, first: true });
    expect(b.noteMissing('ftjob-a', 5_000)).toEqual({ since: 1_000, first: false });
    expect(a.job('g', 'ftjob-a')).toMatchObject({ missingSince: 1_000, missingCheckedAt: 5_000 });
    // Known again: the run ends once (one process logs it), and the next 404 begins a new one.
    expect([b.noteFound('ftjob-a'), a.noteFound('ftjob-a')]).toEqual([true, false]);
    expect(a.job('g', 'ftjob-a')).toMatchObject({ missingSince: null, missingCheckedAt: null });
    // A check OpenAI gave no answer to only moves the next check on; a job not missing is left alone.
    expect(b.noteMissingAsked('ftjob-a', 6_000)).toBe(false);
    expect(a.job('g', 'ftjob-a')).toMatchObject({ missingSince: null, missingCheckedAt: null });
    expect(a.noteMissing('ftjob-a', 9_000)).toEqual({ since: 9_000, first: true });
    expect(b.noteMissingAsked('ftjob-a', 9_500)).toBe(true);
    expect(a.job('g', 'ftjob-a')).toMatchObject({ missingSince: 9_000, missingCheckedAt: 9_500 });
    // Settled as lost once; a closed job's 404 begins nothing.
    expect([a.closeLost('ftjob-a', 'lost', 1, 10_000), b.closeLost('ftjob-a', 'lost', 1, 11_000)]).toEqual([true, false]);
    expect(b.job('g', 'ftjob-a')).toMatchObject({ status: 'lost', chargedMicros: 1, closedAt: 10_000 });
    expect(b.noteMissing('ftjob-a', 12_000)).toBeUndefined();
    expect(b.noteMissingAsked('ftjob-a', 12_000)).toBe(false);
    expect(a.openJobs()).toEqual([]);
    other.close();
    db.close();
  });
});
