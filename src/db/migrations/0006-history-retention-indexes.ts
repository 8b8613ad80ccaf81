import type { Migration } from './types.ts';

/**
 * Retention and /forget-me read turns by age and by author. Without these indexes both would scan
 * every stored turn; with them the periodic delete and a member's deletion touch only their rows.
 */
export const migration: Migration = {
  version: 6,
  name: 'history-retention-indexes',
  up: `
    CREATE INDEX turns_by_age ON turns (created_at);
    CREATE INDEX turns_by_author ON turns (author_id) WHERE author_id IS NOT NULL;
  `,
};
