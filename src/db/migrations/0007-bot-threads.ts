import type { Migration } from './types.ts';

/**
 * Threads the bot opened (or forum posts it answered): their later messages are answered without a
 * mention. Per channel: open a thread on every answer (`auto_thread`, text channels), answer new posts
 * (`forum_answers`, forum and media channels). Kept apart from channel_settings: threads don't inherit them.
 */
export const migration: Migration = {
  version: 7,
  name: 'bot-threads',
  up: `
    CREATE TABLE bot_threads (
      thread_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      parent_id TEXT NOT NULL,
      origin TEXT NOT NULL CHECK (origin IN ('ask', 'auto', 'forum')),
      opened_for TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE thread_channel_settings (
      channel_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      auto_thread INTEGER NOT NULL DEFAULT 0 CHECK (auto_thread IN (0, 1)),
      forum_answers INTEGER NOT NULL DEFAULT 0 CHECK (forum_answers IN (0, 1)),
      updated_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
  `,
};
