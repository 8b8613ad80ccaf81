import { SERVER_TOTAL, type LedgerStore } from '../../db/ledger.ts';

/** Past this many cached spenders the cache starts afresh (it refills from the database on demand). */
const MAX_CACHED_SPENDERS = 50_000;

/**
 * Period totals kept in memory so a reservation's limit checks don't re-sum thousands of
 * buckets. Exact because every ledger write goes through the one Ledger of this bot process;
 * callers apply a change only after its transaction committed.
 */
export class SpendCache {
  private readonly totals = new Map<string, Map<number, number>>();

  constructor(private readonly store: LedgerStore) {}

  spentSince(guildId: string, who: string, fromBucket: number): number {
    const key = `${guildId}|${who}`;
    let periods = this.totals.get(key);
    if (!periods) {
      if (this.totals.size >= MAX_CACHED_SPENDERS) this.totals.clear();
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

  /** Mirrors a committed change of `delta` micro-dollars in `bucket` for the user and the server total. */
  apply(guildId: string, userId: string, bucket: number, delta: number): void {
    for (const who of [userId, SERVER_TOTAL]) {
      for (const [from, total] of this.totals.get(`${guildId}|${who}`) ?? []) {
        if (bucket >= from) this.totals.get(`${guildId}|${who}`)!.set(from, total + delta);
      }
    }
  }

  clear(): void {
    this.totals.clear();
  }
}
