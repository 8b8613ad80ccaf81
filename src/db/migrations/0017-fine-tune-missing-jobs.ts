import type { Migration } from './types.ts';

/**
 * A followed fine-tuning job OpenAI answers 404 for (the key, organisation or AI service changed since it started):
 * `missing_since` is when the first 404 of the current run came (null while OpenAI knows the job), which says when it
 * is settled as lost; `missing_checked_at` when it was last asked, so such a job is checked hourly, not every minute.
 * Both outlive a restart, so the 404 is logged once per job and the days already waited still count.
 */
export const migration: Migration = {
  version: 17,
  name: 'fine-tune-missing-jobs',
  up: `
    ALTER TABLE fine_tune_jobs ADD COLUMN missing_since INTEGER;
    ALTER TABLE fine_tune_jobs ADD COLUMN missing_checked_at INTEGER;
  `,
};
