import type { Db } from './connection.ts';

/** Small key/value facts the bot keeps between starts (e.g. the hash of the registered commands). */
export class MetaStore {
  private readonly getStmt;
  private readonly setStmt;
  private readonly newestBelowStmt;
  private readonly deleteBelowStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    // A key range rather than LIKE, whose `_` would match any character: the keys' primary-key index finds them.
    const numbersBelow = 'key >= ? AND key < ? AND CAST(value AS INTEGER) < ?';
    this.newestBelowStmt = db.prepare(`SELECT MAX(CAST(value AS INTEGER)) AS newest FROM meta WHERE ${numbersBelow}`);
    this.deleteBelowStmt = db.prepare(`DELETE FROM meta WHERE ${numbersBelow}`);
  }

  get(key: string): string | undefined {
    return (this.getStmt.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  /** Deletes the keys starting with `prefix` whose value (a number) is below `below`; returns the largest deleted, if any. */
  deleteNumbersBelow(prefix: string, below: number): number | undefined {
    const range = [prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1), below] as const;
    const { newest } = this.newestBelowStmt.get(...range) as { newest: number | null };
    if (newest === null) return undefined;
    this.deleteBelowStmt.run(...range);
    return newest;
  }
}
