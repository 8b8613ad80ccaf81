import type { Migration } from './types.ts';

/**
 * The operator's limits and several bot processes on one file.
 * - `spend_buckets` rows under guild '*' total a member across every server and DM (user_id = member)
 *   and the whole bot (user_id = ''); the existing rows are summed into them once here.
 * - `spend_journal` lists every change of a spend total, in commit order, so each process keeps its
 *   in-memory totals exact when another process writes (AUTOINCREMENT: sequence numbers never reuse).
 * - `ledger.holder` names the process that holds a reservation; `ledger_holders` keeps each process's
 *   lease, and only reservations whose holder's lease expired are released as crash leftovers.
 * - `server_ceilings`: the operator's per-server ceiling, set with /operator (else SERVER_LIMIT_USD).
 * - `allowed_guilds`: servers the operator approved with /operator allow, on top of ALLOWED_GUILD_IDS.
 * - `operator_notices`: the 80 % / 100 % notices already sent for a period of the bot limit.
 * - `ledger_overruns`: settlements above their reservation (a reservation that was not a true bound).
 */
export const migration: Migration = {
  version: 5,
  name: 'operator-limits-and-leases',
  up: `
    INSERT INTO spend_buckets (guild_id, user_id, bucket, micros)
      SELECT '*', user_id, bucket, SUM(micros) FROM spend_buckets WHERE guild_id != '*' GROUP BY user_id, bucket;

    CREATE TABLE spend_journal (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      guild_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      delta INTEGER NOT NULL
    );

    ALTER TABLE ledger ADD COLUMN holder TEXT;

    CREATE TABLE ledger_holders (
      holder TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );

    CREATE TABLE server_ceilings (
      guild_id TEXT PRIMARY KEY,
      period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
      amount_micros INTEGER CHECK (amount_micros IS NULL OR amount_micros >= 0),
      updated_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );

    CREATE TABLE allowed_guilds (
      guild_id TEXT PRIMARY KEY,
      added_by TEXT NOT NULL,
      added_at INTEGER NOT NULL
    );

    CREATE TABLE operator_notices (
      period_start INTEGER NOT NULL,
      level INTEGER NOT NULL,
      sent_at INTEGER NOT NULL,
      PRIMARY KEY (period_start, level)
    );

    CREATE TABLE ledger_overruns (
      ledger_id INTEGER PRIMARY KEY,
      command TEXT NOT NULL,
      model TEXT NOT NULL,
      reserved_micros INTEGER NOT NULL,
      charged_micros INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX ledger_overruns_by_time ON ledger_overruns (created_at);
  `,
};
