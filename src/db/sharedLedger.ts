import type { Db } from './connection.ts';

/** SQL for limits shared across hosts: a host's outbox to the coordinator, and the coordinator's events for every host. */
export class SharedLedgerStore {
  private readonly outboxAdd;
  private readonly outboxPending;
  private readonly outboxDrop;
  private readonly outboxCount;
  private readonly outboxState;
  private readonly eventAdd;
  private readonly eventsAfterSeq;

  constructor(readonly db: Db) {
    this.outboxAdd = db.prepare('INSERT INTO ledger_outbox (body, created_at) VALUES (?, ?)');
    this.outboxPending = db.prepare('SELECT seq, body FROM ledger_outbox ORDER BY seq LIMIT ?');
    this.outboxDrop = db.prepare('DELETE FROM ledger_outbox WHERE seq <= ?');
    this.outboxCount = db.prepare('SELECT COUNT(*) FROM ledger_outbox').pluck();
    // The oldest by seq is the oldest written: one index lookup, no scan of created_at.
    this.outboxState = db.prepare('SELECT COUNT(*) AS entries, (SELECT created_at FROM ledger_outbox ORDER BY seq LIMIT 1) AS oldestAt FROM ledger_outbox');
    this.eventAdd = db.prepare('INSERT INTO shared_events (body, created_at) VALUES (?, ?)');
    this.eventsAfterSeq = db.prepare('SELECT seq, body FROM shared_events WHERE seq > ? ORDER BY seq LIMIT ?');
  }

  /** Keeps an operation until the coordinator acknowledges it (call inside the transaction that made it). */
  enqueue(body: unknown, at: number): void {
    this.outboxAdd.run(JSON.stringify(body), at);
  }

  /** The oldest operations not yet acknowledged. */
  pending(limit: number): { seq: number; body: unknown }[] {
    return (this.outboxPending.all(limit) as { seq: number; body: string }[]).map((row) => ({ seq: row.seq, body: JSON.parse(row.body) as unknown }));
  }

  /** Drops every operation up to `seq`: the coordinator recorded them. */
  delivered(seq: number): void {
    this.outboxDrop.run(seq);
  }

  pendingCount(): number {
    return this.outboxCount.get() as number;
  }

  /** How many operations wait, and when the oldest was written (null: none waits). */
  outbox(): { entries: number; oldestAt: number | null } {
    return this.outboxState.get() as { entries: number; oldestAt: number | null };
  }

  /** Something every host applies to its own file (coordinator). */
  recordEvent(body: unknown, at: number): number {
    return Number(this.eventAdd.run(JSON.stringify(body), at).lastInsertRowid);
  }

  eventsAfter(seq: number, limit: number): { seq: number; body: unknown }[] {
    return (this.eventsAfterSeq.all(seq, limit) as { seq: number; body: string }[]).map((row) => ({ seq: row.seq, body: JSON.parse(row.body) as unknown }));
  }
}
