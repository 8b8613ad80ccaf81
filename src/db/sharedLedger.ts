import type { Db } from './connection.ts';

/** SQL for limits shared across hosts: a host's outbox to the coordinator, and the coordinator's /forget-me requests. */
export class SharedLedgerStore {
  private readonly outboxAdd;
  private readonly outboxPending;
  private readonly outboxDrop;
  private readonly outboxCount;
  private readonly forgetAdd;
  private readonly forgetAfter;

  constructor(readonly db: Db) {
    this.outboxAdd = db.prepare('INSERT INTO ledger_outbox (body, created_at) VALUES (?, ?)');
    this.outboxPending = db.prepare('SELECT seq, body FROM ledger_outbox ORDER BY seq LIMIT ?');
    this.outboxDrop = db.prepare('DELETE FROM ledger_outbox WHERE seq <= ?');
    this.outboxCount = db.prepare('SELECT COUNT(*) FROM ledger_outbox').pluck();
    this.forgetAdd = db.prepare('INSERT INTO forget_requests (user_id, requested_at) VALUES (?, ?)');
    this.forgetAfter = db.prepare('SELECT seq, user_id AS userId FROM forget_requests WHERE seq > ? ORDER BY seq LIMIT ?');
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

  recordForget(userId: string, at: number): number {
    return Number(this.forgetAdd.run(userId, at).lastInsertRowid);
  }

  forgetsAfter(seq: number, limit: number): { seq: number; userId: string }[] {
    return this.forgetAfter.all(seq, limit) as { seq: number; userId: string }[];
  }
}
