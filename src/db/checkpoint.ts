import type { Db } from './connection.ts';

/** How often WAL pages are copied back into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 5_000;

/**
 * SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages, adding
 * tens of milliseconds to that unlucky reservation. Checkpoint on a timer instead, off the
 * request path; the returned function stops it and truncates the WAL.
 */
export function startWalCheckpoints(db: Db, intervalMs = WAL_CHECKPOINT_INTERVAL_MS): () => void {
  db.pragma('wal_autocheckpoint = 0');
  const timer = setInterval(() => {
    if (db.open) db.pragma('wal_checkpoint(PASSIVE)');
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (db.open) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('wal_autocheckpoint = 1000');
    }
  };
}
