import type { Db } from './connection.ts';

/** Read-only figures about the spending ledger for metrics, across every process sharing the file. */
export class LedgerStats {
  private readonly open;
  private readonly overruns;

  constructor(private readonly db: Db) {
    // Served by the partial index ledger_open: it holds only the open rows.
    this.open = db.prepare("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'").pluck();
    this.overruns = db.prepare('SELECT COUNT(*) FROM ledger_overruns').pluck();
  }

  /** Reservations not yet settled or released (calls in progress, and fine-tuning jobs still running). */
  openReservations(): number {
    return this.open.get() as number;
  }

  /** Settlements ever recorded above their reservation. */
  overrunsRecorded(): number {
    return this.overruns.get() as number;
  }

  get available(): boolean {
    return this.db.open;
  }
}
