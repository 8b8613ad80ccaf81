import type { Migration } from './types.ts';

/**
 * Fine-tuning: training files uploaded from a server and the jobs started from them. A job keeps the
 * id of its ledger reservation, so a restart still settles it; `ledger.long_running` marks such
 * reservations, which start-up must not release as crash leftovers (a job runs for hours at OpenAI).
 * `closed_at` is set once the job's reservation has been settled or released.
 */
export const migration: Migration = {
  version: 4,
  name: 'fine-tunes',
  up: `
    ALTER TABLE ledger ADD COLUMN long_running INTEGER NOT NULL DEFAULT 0 CHECK (long_running IN (0, 1));

    CREATE TABLE fine_tune_files (
      file_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      filename TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      examples INTEGER NOT NULL,
      tokens_o200k INTEGER NOT NULL,
      tokens_cl100k INTEGER NOT NULL,
      uploaded_by TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX fine_tune_files_by_guild ON fine_tune_files (guild_id, created_at);

    CREATE TABLE fine_tune_jobs (
      job_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      language TEXT NOT NULL,
      file_id TEXT NOT NULL,
      base_model TEXT NOT NULL,
      epochs INTEGER,
      reserved_epochs INTEGER NOT NULL,
      suffix TEXT,
      status TEXT NOT NULL,
      fine_tuned_model TEXT,
      trained_tokens INTEGER,
      error TEXT,
      reservation_id INTEGER NOT NULL REFERENCES ledger (id),
      reserved_micros INTEGER NOT NULL,
      charged_micros INTEGER,
      created_at INTEGER NOT NULL,
      closed_at INTEGER
    );
    CREATE INDEX fine_tune_jobs_by_guild ON fine_tune_jobs (guild_id, created_at);
    CREATE INDEX fine_tune_jobs_open ON fine_tune_jobs (closed_at) WHERE closed_at IS NULL;
  `,
};
