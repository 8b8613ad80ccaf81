import type { Tombstone } from '../services/budget/shared/protocol.ts';
import type { Db } from './connection.ts';

/** SQL for limits shared across hosts: a host's outbox to the coordinator, and the coordinator's events for every host. */
export class SharedLedgerStore {
  private readonly outboxAdd;
  private readonly outboxPending;
  private readonly outboxDrop;
  private readonly outboxState;
  private readonly eventAdd;
  private readonly eventsAfterSeq;
  private readonly hostSeen;
  private readonly trackingStart;
  private readonly metaGet;
  private readonly hostsDrop;
  private readonly hostsLowest;
  private readonly forgetsTrimmed;
  private readonly tombstoneAdd;
  private readonly tombstonesAfterSeq;
  private readonly tombstonesDrop;
  private readonly tombstonesCount;
  private readonly eventsDrop;
  private readonly eventsBounds;
  private readonly eventsCount;
  /** Whether this process has seen tracking_since in the file (see seeHost): set for good once it has. */
  private tracking = false;

  constructor(readonly db: Db) {
    this.outboxAdd = db.prepare('INSERT INTO ledger_outbox (body, created_at) VALUES (?, ?)');
    this.outboxPending = db.prepare('SELECT seq, body FROM ledger_outbox ORDER BY seq LIMIT ?');
    this.outboxDrop = db.prepare('DELETE FROM ledger_outbox WHERE seq <= ?');
    // The oldest by seq is the oldest written: one index lookup, no scan of created_at.
    this.outboxState = db.prepare('SELECT COUNT(*) AS entries, (SELECT created_at FROM ledger_outbox ORDER BY seq LIMIT 1) AS oldestAt FROM ledger_outbox');
    this.eventAdd = db.prepare('INSERT INTO shared_events (body, created_at) VALUES (?, ?)');
    this.eventsAfterSeq = db.prepare('SELECT seq, body, created_at AS createdAt FROM shared_events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.hostSeen = db.prepare(`INSERT INTO shared_hosts (host_id, events_seq, seen_at) VALUES (?, ?, ?)
      ON CONFLICT (host_id) DO UPDATE SET events_seq = MAX(events_seq, excluded.events_seq), seen_at = excluded.seen_at`);
    this.trackingStart = db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('shared_events.tracking_since', ?)");
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.hostsDrop = db.prepare('DELETE FROM shared_hosts WHERE seen_at < ?');
    this.hostsLowest = db.prepare('SELECT MIN(events_seq) FROM shared_hosts').pluck();
    this.forgetsTrimmed = db.prepare(`SELECT seq, json_extract(body, '$.userId') AS userId, COALESCE(json_extract(body, '$.at'), created_at) AS at
      FROM shared_events WHERE (seq <= ? OR created_at < ?) AND json_extract(body, '$.event') = 'forget' ORDER BY seq`);
    this.tombstoneAdd = db.prepare('INSERT OR IGNORE INTO forget_tombstones (seq, member, requested_at) VALUES (?, ?, ?)');
    this.tombstonesAfterSeq = db.prepare('SELECT seq, member, requested_at AS at FROM forget_tombstones WHERE seq > ? ORDER BY seq LIMIT ?');
    this.tombstonesDrop = db.prepare('DELETE FROM forget_tombstones WHERE requested_at < ?');
    this.tombstonesCount = db.prepare('SELECT COUNT(*) FROM forget_tombstones').pluck();
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
    return this.outbox().entries;
  }

  /** How many operations wait, and when the oldest was written (null: none waits). */
  outbox(): { entries: number; oldestAt: number | null } {
    return this.outboxState.get() as { entries: number; oldestAt: number | null };
  }

  /** Something every host applies to its own file (coordinator). */
  recordEvent(body: unknown, at: number): number {
    return Number(this.eventAdd.run(JSON.stringify(body), at).lastInsertRowid);
  }

  /** The events after `seq`, oldest first, with when the coordinator recorded each. */
  eventsAfter(seq: number, limit: number): { seq: number; body: unknown; createdAt: number }[] {
    return (this.eventsAfterSeq.all(seq, limit) as { seq: number; body: string; createdAt: number }[])
      .map((row) => ({ seq: row.seq, body: JSON.parse(row.body) as unknown, createdAt: row.createdAt }));
  }

  /**
   * A host's lease renewal: the last event it applied (the highest any of its processes said: they share its file, and
   * a late request must not move it back), and when it was seen. The first one starts the tracking: once per
   * process, not on every renewal (a renewal whose transaction rolled back is caught by trackingSince()).
   */
  seeHost(hostId: string, eventsSeq: number, at: number): void {
    this.hostSeen.run(hostId, eventsSeq, at);
    if (this.tracking) return;
    this.trackingStart.run(String(at));
    this.tracking = true;
  }

  /** Since when hosts have been tracked (null: no host has renewed a lease since migration 0014). */
  trackingSince(): number | null {
    const value = this.metaGet.get('shared_events.tracking_since') as string | undefined;
    // Not in the file after all (the renewal that wrote it rolled back): the next renewal writes it.
    if (value === undefined) this.tracking = false;
    return value === undefined ? null : Number(value);
  }

  /** Forgets the hosts last seen before `cutoff`; returns the lowest event seq the others applied (null: none left). */
  hostsAppliedThrough(cutoff: number): number | null {
    this.hostsDrop.run(cutoff);
    return this.hostsLowest.get() as number | null;
  }

  /**
   * Deletes the events up to `seq` and those written before `cutoff`. Each /forget-me among them is kept as a
   * tombstone, the member's ID replaced by `hash(userId)` (call inside one transaction with the lease or trim).
   */
  trimEvents(seq: number, cutoff: number, hash: (userId: string) => string): number {
    for (const forget of this.forgetsTrimmed.all(seq, cutoff) as { seq: number; userId: string; at: number }[]) {
      this.tombstoneAdd.run(forget.seq, hash(forget.userId), forget.at);
    }
    return this.eventsDrop.run(seq, cutoff).changes;
  }

  /** The tombstones after `seq`, oldest first. */
  tombstonesAfter(seq: number, limit: number): Tombstone[] {
    return this.tombstonesAfterSeq.all(seq, limit) as Tombstone[];
  }

  /** Deletes the tombstones of requests made before `cutoff`: no turn they cover can exist any more. */
  dropTombstones(cutoff: number): number {
    return this.tombstonesDrop.run(cutoff).changes;
  }

  tombstonesKept(): number {
    return this.tombstonesCount.get() as number;
  }

  /** Events kept for hosts that have not applied them yet (coordinator). */
  eventsKept(): number {
    return this.eventsCount.get() as number;
  }

  /** The newest event seq ever recorded (0: none) and the oldest still kept (null: none kept). */
  eventBounds(): { newest: number; oldest: number | null } {
    return this.eventsBounds.get() as { newest: number; oldest: number | null };
  }
}
