import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Db } from '../db/connection.ts';
import { LedgerStats } from '../db/ledgerStats.ts';
import { SharedLedgerStore } from '../db/sharedLedger.ts';
import { databaseGauge, outboxGauges } from '../services/metrics/database.ts';

/** What the gauges read, prepared once on the open file. */
interface Reads {
  ledger: LedgerStats;
  shared: SharedLedgerStore;
}

/**
 * With SHARDS: the gauges read from the host's database (src/services/metrics/database.ts), read by the sharding
 * manager, once per scrape, on a read-only connection of its own (the shard processes leave them out). They show
 * even while a shard process restarts. The file is opened at the first scrape that finds it migrated (a shard process
 * creates and migrates it): until then they are NaN, as a bot's own are when its database can't be read.
 */
export class DatabaseMetrics {
  readonly registry = new Registry();
  private reads: Reads | undefined;
  private db: Db | undefined;

  constructor(private readonly config: Pick<Config, 'databasePath' | 'ledger'>, private readonly now: () => number = Date.now) {
    databaseGauge(this.registry, 'bot_ledger_reservations_open', () => this.open()?.ledger.openReservations());
    databaseGauge(this.registry, 'bot_ledger_overruns_recorded', () => this.open()?.ledger.overrunsRecorded());
    const { url, port, secret } = config.ledger;
    // As src/buildContext.ts builds them: the outbox on a host with LEDGER_URL, the events kept on the coordinator.
    if (url && secret) {
      outboxGauges(this.registry, () => {
        const reads = this.open();
        if (!reads) return { entries: Number.NaN, oldestAgeMs: Number.NaN };
        const { entries, oldestAt } = reads.shared.outbox();
        return { entries, oldestAgeMs: oldestAt === null ? 0 : Math.max(0, this.now() - oldestAt) };
      });
    }
    if (port !== undefined && secret) {
      databaseGauge(this.registry, 'bot_ledger_shared_events', () => this.open()?.shared.eventsKept());
      databaseGauge(this.registry, 'bot_ledger_forget_tombstones', () => this.open()?.shared.tombstonesKept());
    }
  }

  /** The prepared reads; undefined (the gauges NaN) while the file is missing or not migrated yet, tried again next scrape. */
  private open(): Reads | undefined {
    if (this.reads) return this.reads;
    let db: Db | undefined;
    try {
      db = new Database(this.config.databasePath, { readonly: true, fileMustExist: true });
      this.reads = { ledger: new LedgerStats(db), shared: new SharedLedgerStore(db) };
      this.db = db;
    } catch {
      db?.close();
    }
    return this.reads;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.reads = undefined;
  }
}
