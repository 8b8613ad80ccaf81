import type { Migration } from './types.ts';

/**
 * What became of each `/finetune start` followed under an `unconfirmed-<tag>` id (every start is recorded under one
 * before its create is sent): `job_id` is OpenAI's id once its answer or its job list confirmed the job (null until
 * then), so the id an admin was shown still finds the job without asking OpenAI's list again; `unanswered` how the
 * create's answer failed when it did (`timeout`, `lost`: no answer; `error`: an error answer that may follow the
 * job's creation), so the notice that nothing was started says what happened. IF NOT EXISTS: run again on a file
 * that has the table, it changes nothing.
 */
export const migration: Migration = {
  version: 16,
  name: 'fine-tune-starts',
  up: `
    CREATE TABLE IF NOT EXISTS fine_tune_starts (
      unconfirmed_id TEXT PRIMARY KEY,
      job_id TEXT,
      unanswered TEXT CHECK (unanswered IN ('timeout', 'lost', 'error'))
    );
  `,
};
