import type { Migration } from './types.ts';

export const migration: Migration = {
  version: 1,
  name: 'conversation-history',
  up: `
    CREATE TABLE turns (
      id INTEGER PRIMARY KEY,
      channel_id TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
      author_id TEXT,
      author_name TEXT,
      content TEXT NOT NULL,
      tokens INTEGER NOT NULL, -- o200k tokenizer (GPT-4o and newer)
      tokens_cl100k INTEGER NOT NULL, -- cl100k tokenizer (GPT-3.5, GPT-4)
      model TEXT,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX turns_by_channel ON turns (channel_id, id);
    CREATE TABLE meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
