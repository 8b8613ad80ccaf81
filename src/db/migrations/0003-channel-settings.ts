import type { Migration } from './types.ts';

/** Per-channel settings (NULL = inherit from the parent channel, then the server/config); server-wide defaults. */
export const migration: Migration = {
  version: 3,
  name: 'channel-settings',
  up: `
    CREATE TABLE channel_settings (
      channel_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      model TEXT,
      system_prompt TEXT,
      voice_transcription INTEGER CHECK (voice_transcription IN (0, 1)),
      updated_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    ALTER TABLE guild_settings ADD COLUMN translate_language TEXT;
  `,
};
