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
  private readonly hostSeen;
  private readonly trackingStart;
  private readonly metaGet;
  private readonly metaSet;
  private readonly hostsDrop;
  private readonly hostsLowest;
  private readonly lastForget;
  private readonly eventsDrop;
  private readonly eventsBounds;
  private readonly eventsCount;

  constructor(readonly db: Db) {
    this.outboxAdd = db.prepare('INSERT INTO ledger_outbox (body, created_at) VALUES (?, ?)');
    this.outboxPending = db.prepare('SELECT seq, body FROM ledger_outbox ORDER BY seq LIMIT ?');
    this.outboxDrop = db.prepare('DELETE FROM ledger_outbox WHERE seq <= ?');
    this.outboxCount = db.prepare('SELECT COUNT(*) FROM ledger_outbox').pluck();
    // The oldest by seq is the oldest written: one index lookup, no scan of created_at.
    this.outboxState = db.prepare('SELECT COUNT(*) AS entries, (SELECT created_at FROM ledger_outbox ORDER BY seq LIMIT 1) AS oldestAt FROM ledger_outbox');
    this.eventAdd = db.prepare('INSERT INTO shared_events (body, created_at) VALUES (?, ?)');
    this.eventsAfterSeq = db.prepare('SELECT seq, body FROM shared_events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.hostSeen = db.prepare(`INSERT INTO shared_hosts (host_id, events_seq, seen_at) VALUES (?, ?, ?)
      ON CONFLICT (host_id) DO UPDATE SET events_seq = MAX(events_seq, excluded.events_seq), seen_at = excluded.seen_at`);
    this.trackingStart = db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('shared_events.tracking_since', ?)");
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaSet = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.hostsDrop = db.prepare('DELETE FROM shared_hosts WHERE seen_at < ?');
    this.hostsLowest = db.prepare('SELECT MIN(events_seq) FROM shared_hosts').pluck();
    this.lastForget = db.prepare(`SELECT seq, created_at AS at FROM shared_events
      WHERE (seq <= ? OR created_at < ?) AND json_extract(body, '$.event') = 'forget' ORDER BY seq DESC LIMIT 1`);
    this.eventsDrop = db.prepare('DELETE FROM shared_events WHERE seq <= ? OR created_at < ?');
    // The newest seq ever given (AUTOINCREMENT keeps it in sqlite_sequence even once its row is gone) and the oldest kept.
    this.eventsCount = db.prepare('SELECT COUNT(*) FROM shared_events').pluck();
    this.eventsBounds = db.prepare(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'shared_events'), 0) AS newest,
      (SELECT MIN(seq) FROM shared_events) AS oldest`);
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

  /**
   * A host's lease renewal: the last event it applied (the highest any of its processes said: they share its file, and
   * a late request must not move it back), and when it was seen. The first one starts the tracking.
   */
  seeHost(hostId: string, eventsSeq: number, at: number): void {
    this.hostSeen.run(hostId, eventsSeq, at);
    this.trackingStart.run(String(at));
  }

  /** Since when hosts have been tracked (null: no host has renewed a lease since migration 0014). */
  trackingSince(): number | null {
    const value = this.metaGet.get('shared_events.tracking_since') as string | undefined;
    return value === undefined ? null : Number(value);
  }

  /** Forgets the hosts last seen before `cutoff`; returns the lowest event seq the others applied (null: none left). */
  hostsAppliedThrough(cutoff: number): number | null {
    this.hostsDrop.run(cutoff);
    return this.hostsLowest.get() as number | null;
  }

  /**
   * Deletes the events up to `seq` and those written before `cutoff`. The newest /forget-me among them is kept as
   * its seq and time only (no member ID): a host that missed it still knows which of its turns to delete.
   */
  trimEvents(seq: number, cutoff: number): number {
    const forget = this.lastForget.get(seq, cutoff) as { seq: number; at: number } | undefined;
    if (forget) this.metaSet.run('shared_events.forget_trimmed', JSON.stringify(forget));
    return this.eventsDrop.run(seq, cutoff).changes;
  }

  /** Events kept for hosts that have not applied them yet (coordinator). */
  eventsKept(): number {
    return this.eventsCount.get() as number;
  }

  /** The newest /forget-me trimmed so far (its seq and time), if any. */
  forgetTrimmed(): { seq: number; at: number } | null {
    const value = this.metaGet.get('shared_events.forget_trimmed') as string | undefined;
    return value === undefined ? null : JSON.parse(value) as { seq: number; at: number };
  }

  /** The newest event seq ever recorded (0: none) and the oldest still kept (null: none kept). */
  eventBounds(): { newest: number; oldest: number | null } {
    return this.eventsBounds.get() as { newest: number; oldest: number | null };
  }
}
