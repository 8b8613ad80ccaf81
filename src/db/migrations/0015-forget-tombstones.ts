import type { Migration } from './types.ts';

/**
 * On the coordinator, what is left of a /forget-me once its event is trimmed: `member` is a keyed hash of the
 * member's ID (HMAC-SHA256 under a key derived from LEDGER_SECRET, see budget/shared/memberHash.ts), never the ID;
 * `requested_at` when the member asked. A host that missed the event deletes that member's turns stored at or before
 * it, and nobody else's. `seq` is the trimmed event's. Kept as long as such turns can exist (HISTORY_RETENTION_DAYS).
 * The time alone that migration 0014 kept (meta `shared_events.forget_trimmed`) named nobody: hosts used it to delete
 * every turn before it; it is dropped.
 */
export const migration: Migration = {
  version: 15,
  name: 'forget-tombstones',
  up: `
    CREATE TABLE forget_tombstones (
      seq INTEGER PRIMARY KEY,
      member TEXT NOT NULL,
      requested_at INTEGER NOT NULL
    );
    CREATE INDEX forget_tombstones_by_age ON forget_tombstones (requested_at);
    DELETE FROM meta WHERE key = 'shared_events.forget_trimmed';
  `,
};
