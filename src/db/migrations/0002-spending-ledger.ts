import type { Migration } from './types.ts';

/**
 * Money is integer micro-dollars. `ledger` has one row per paid call; `spend_buckets` keeps running
 * totals per 15 minutes (every time zone offset is a multiple of 15 min), so a period's spend is
 * a sum of at most a few thousand small rows however large the ledger grows. user_id '' is the
 * whole server; guild_id '@dm' holds direct messages.
 */
export const migration: Migration = {
  version: 2,
  name: 'spending-ledger',
  up: `
    CREATE TABLE ledger (
      id INTEGER PRIMARY KEY,
      guild_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      channel_id TEXT,
      command TEXT NOT NULL,
      model TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released')),
      reserved_micros INTEGER NOT NULL CHECK (reserved_micros >= 0),
      charged_micros INTEGER NOT NULL CHECK (charged_micros >= 0),
      input_tokens INTEGER,
      cached_tokens INTEGER,
      output_tokens INTEGER,
      units INTEGER,
      bucket INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      settled_at INTEGER
    );
    CREATE INDEX ledger_by_user ON ledger (guild_id, user_id, created_at);
    CREATE INDEX ledger_open ON ledger (state) WHERE state = 'reserved';

    CREATE TABLE spend_buckets (
      guild_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      micros INTEGER NOT NULL,
      PRIMARY KEY (guild_id, user_id, bucket)
    ) WITHOUT ROWID;

    CREATE TABLE budget_limits (
      guild_id TEXT NOT NULL,
      scope TEXT NOT NULL CHECK (scope IN ('user', 'role', 'default', 'server')),
      target_id TEXT NOT NULL,
      period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
      amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
      updated_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (guild_id, scope, target_id)
    );

    CREATE TABLE budget_exempt_roles (
      guild_id TEXT NOT NULL,
      role_id TEXT NOT NULL,
      PRIMARY KEY (guild_id, role_id)
    );

    CREATE TABLE budget_audit (
      id INTEGER PRIMARY KEY,
      guild_id TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      action TEXT NOT NULL,
      scope TEXT NOT NULL,
      target_id TEXT NOT NULL,
      old_value TEXT,
      new_value TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX budget_audit_by_guild ON budget_audit (guild_id, id);

    CREATE TABLE guild_settings (
      guild_id TEXT PRIMARY KEY,
      time_zone TEXT
    );
  `,
};
