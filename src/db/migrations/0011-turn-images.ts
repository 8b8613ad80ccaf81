import type { Migration } from './types.ts';

/**
 * Images a question carried, by reference only: the Discord attachment URL (signed, it expires), the type
 * read from the bytes, the size and the pixel size that priced it. The bytes themselves are never stored.
 * Rows go with their turn (reset, /forget-me, retention) through the foreign key.
 */
export const migration: Migration = {
  version: 11,
  name: 'turn-images',
  up: `
    CREATE TABLE turn_images (
      turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      url TEXT NOT NULL,
      content_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      PRIMARY KEY (turn_id, position)
    ) WITHOUT ROWID;
  `,
};
