import type { Db } from './connection.ts';

/** Longest a health check waits for another connection's write lock before calling the database busy. */
export const HEALTH_WRITE_WAIT_MS = 1_000;
/** The probe polls rather than using SQLite's busy wait, which would block the event loop while it waits. */
const POLL_MS = 25;
const HEALTH_KEY = 'health_checked_at';

export type WriteProbe = { ok: true; ms: number } | { ok: false; problem: 'busy' | 'closed' | 'error'; code?: string };

type Attempt = WriteProbe | 'busy';

/** One non-waiting attempt: take the write lock, write one meta row, commit. */
function attempt(db: Db, started: number): Attempt {
  if (!db.open) return { ok: false, problem: 'closed' };
  if (db.inTransaction) return 'busy';
  const previous = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(HEALTH_KEY, new Date().toISOString());
      db.exec('COMMIT');
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'busy';
    return { ok: false, problem: 'error', code: typeof code === 'string' ? code : 'unknown' };
  } finally {
    db.pragma(`busy_timeout = ${previous}`);
  }
}

/**
 * Whether the database takes a write now: a real commit (it also catches a full disk or a read-only
 * file), waiting at most `waitMs` for a writer in another process or connection.
 */
export async function probeWrite(db: Db, waitMs = HEALTH_WRITE_WAIT_MS): Promise<WriteProbe> {
  const started = performance.now();
  for (;;) {
    const result = attempt(db, started);
    if (result !== 'busy') return result;
    if (performance.now() - started >= waitMs) return { ok: false, problem: 'busy' };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
