import type { Migration } from './types.ts';

/** Per-server moderation: NULL mode = off; the channel notes go to; whether a failed check blocks (1) or lets through (0). */
export const migration: Migration = {
  version: 9,
  name: 'moderation-settings',
  up: `
    ALTER TABLE guild_settings ADD COLUMN moderation_mode TEXT CHECK (moderation_mode IN ('flag', 'block'));
    ALTER TABLE guild_settings ADD COLUMN moderation_log_channel TEXT;
    ALTER TABLE guild_settings ADD COLUMN moderation_fail_closed INTEGER NOT NULL DEFAULT 0 CHECK (moderation_fail_closed IN (0, 1));
  `,
};
