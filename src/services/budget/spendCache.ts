import { totalsMoved, type LedgerStore } from '../../db/ledger.ts';

/** Past this many cached totals the cache starts afresh (it refills from the database on demand). */
const MAX_CACHED_TOTALS = 50_000;

/**
 * Period totals kept in memory so a reservation's limit checks don't re-sum thousands of buckets.
 * Exact with several processes on one file: every change of a total is also written to the
 * journal, and `sync` replays what was committed since the last look (this process's own writes
 * included) before the totals are read. Call `sync` and the reads inside one transaction, so the
 * sums that fill the cache and the journal position come from the same snapshot.
 */
export class SpendCache {
  private readonly totals = new Map<string, Map<number, number>>();
  private lastSeq = 0;
  private synced = false;

  constructor(private readonly store: LedgerStore) {}

  /** Brings the totals up to the newest committed journal row. */
  sync(): void {
    if (!this.synced) {
      this.totals.clear();
      this.lastSeq = this.store.journalHead();
      this.synced = true;
      return;
    }
    const rows = this.store.journalSince(this.lastSeq);
    if (rows.length === 0) return;
    // Rows this process never saw were trimmed: start afresh from the sums.
    if (rows[0]!.seq !== this.lastSeq + 1) {
      this.totals.clear();
      this.lastSeq = rows.at(-1)!.seq;
      return;
    }
    for (const row of rows) this.apply(row.guildId, row.userId, row.bucket, row.delta);
    this.lastSeq = rows.at(-1)!.seq;
  }

  spentSince(guildId: string, who: string, fromBucket: number): number {
    const key = `${guildId}|${who}`;
    let periods = this.totals.get(key);
    if (!periods) {
      if (this.totals.size >= MAX_CACHED_TOTALS) this.totals.clear();
      periods = new Map();
      this.totals.set(key, periods);
    }
    let total = periods.get(fromBucket);
    if (total === undefined) {
      total = this.store.spentSince(guildId, who, fromBucket);
      if (periods.size >= 6) periods.clear(); // old periods are never asked for again
      periods.set(fromBucket, total);
    }
    return total;
  }

  private apply(guildId: string, userId: string, bucket: number, delta: number): void {
    for (const [guild, who] of totalsMoved(guildId, userId)) {
      const periods = this.totals.get(`${guild}|${who}`);
      if (!periods) continue;
      for (const [from, total] of periods) if (bucket >= from) periods.set(from, total + delta);
    }
  }

  clear(): void {
    this.totals.clear();
    this.synced = false;
  }
}
