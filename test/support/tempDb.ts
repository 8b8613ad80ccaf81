import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh SQLite path in its own temp folder (optionally below missing subfolders). */
export function tempDatabasePath(subfolder = ''): string {
  return join(mkdtempSync(join(tmpdir(), 'bot-db-')), subfolder, 'bot.sqlite');
}
