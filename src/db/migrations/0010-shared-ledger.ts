import type { Migration } from './types.ts';

/**
 * The operator's limits across several hosts (each with its own SQLite file; one host coordinates).
 * - `ledger.shared_key`: on a host, the key of this reservation's copy at the coordinator; on the coordinator,
 *   the key a host gave the reservation it made there. Unique, so a repeated request changes nothing.
 * - `ledger.orphaned`: released by a sweep (its holder's lease expired), not by its holder: a settlement that
 *   still arrives (a host cut off for a while, a process that froze) is recorded, not dropped.
 * - `ledger_outbox`: on a host, what the coordinator has not acknowledged yet (settlements, releases, /forget-me),
 *   kept until it lands, oldest first.
 * - `shared_events`: on the coordinator, what every host applies to its own file: /forget-me (its history), and the
 *   operator's server ceilings and allow-list additions (/operator server-limit, /operator allow).
 */
export const migration: Migration = {
  version: 10,
  name: 'shared-ledger',
  up: `
    ALTER TABLE ledger ADD COLUMN shared_key TEXT;
    ALTER TABLE ledger ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX ledger_by_shared_key ON ledger (shared_key) WHERE shared_key IS NOT NULL;

    CREATE TABLE ledger_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );

    CREATE TABLE shared_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
  `,
};
