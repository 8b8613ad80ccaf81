import type { Db } from './connection.ts';

export interface NewReservation {
  guildId: string;
  userId: string;
  channelId: string | null;
  command: string;
  model: string;
  reservedMicros: number;
  bucket: number;
  createdAt: number;
  /** The process holding it (its lease decides when a crash leftover may be charged). */
  holder: string;
  /** Outlives the process (a fine-tuning job): never charged as a crash leftover. */
  longRunning?: boolean;
  /** Its copy's key at the coordinator (a host), or the key a host gave it (the coordinator); see migration 0010. */
  sharedKey?: string | null;
}

export interface Settlement {
  chargedMicros: number;
  inputTokens?: number;
  cachedTokens?: number;
  outputTokens?: number;
  units?: number;
  settledAt: number;
}

export interface OpenReservation {
  id: number;
  guildId: string;
  userId: string;
  command: string;
  model: string;
  reservedMicros: number;
  bucket: number;
  sharedKey: string | null;
}

/** A reservation as its holder's settlement or release found it; `sweptMicros`: what a sweep had charged for it, which that replaced. */
export type ClosedReservation = OpenReservation & { sweptMicros?: number };

/** One change of a spend total, as every process replays it. */
export interface JournalRow {
  seq: number;
  guildId: string;
  userId: string;
  bucket: number;
  delta: number;
}

/**
 * `ledger.orphaned` (migrations 0010, 0013): 0, closed by the process that held it; SWEPT, closed by a sweep because
 * its holder died (charged as reserved; rows from before 0013 were released instead); SWEPT_THEN_CLOSED, swept, then
 * its holder's own settlement or release arrived after all and replaced the sweep's figure.
 */
const SWEPT = 1;
const SWEPT_THEN_CLOSED = 2;

/** What one call of a command cost; `interrupted`: how many of them a sweep charged as reserved. */
export interface CommandSpend {
  command: string;
  micros: number;
  calls: number;
  interrupted: number;
}

/** The server's total lives in spend_buckets under this user id. */
export const SERVER_TOTAL = '';
/** Totals across every server and DM live under this guild id: a member's (user id) and the bot's (SERVER_TOTAL). */
export const ALL_GUILDS = '*';

/** A change of a member's spend in a guild moves these four totals. */
export const totalsMoved = (guildId: string, userId: string): [string, string][] => [
  [guildId, userId], [guildId, SERVER_TOTAL], [ALL_GUILDS, userId], [ALL_GUILDS, SERVER_TOTAL],
];

const toOpen = ({ id, guildId, userId, command, model, reservedMicros, bucket, sharedKey }: OpenReservation): OpenReservation =>
  ({ id, guildId, userId, command, model, reservedMicros, bucket, sharedKey });

/** SQL for the spending ledger; the caller wraps calls in one immediate transaction. */
export class LedgerStore {
  private readonly sumSince;
  private readonly addBucket;
  private readonly addJournal;
  private readonly journalAfter;
  private readonly journalTrim;
  private readonly journalMax;
  private readonly insertRow;
  private readonly settleRow;
  private readonly releaseRow;
  private readonly lowerRow;
  private readonly getOpen;
  private readonly orphaned;
  private readonly byCommand;
  private readonly topSpenders;
  private readonly byGuild;
  private readonly upsertLease;
  private readonly dropLease;
  private readonly dropExpiredLeases;
  private readonly insertOverrun;
  private readonly countOverruns;
  private readonly chargeRow;
  private readonly getSwept;
  private readonly settleSwept;
  private readonly releaseSwept;
  private readonly interrupted;
  private readonly bySharedKey;

  constructor(readonly db: Db) {
    this.sumSince = db.prepare('SELECT COALESCE(SUM(micros), 0) AS total FROM spend_buckets WHERE guild_id = ? AND user_id = ? AND bucket >= ?').pluck();
    this.addBucket = db.prepare(`INSERT INTO spend_buckets (guild_id, user_id, bucket, micros) VALUES (?, ?, ?, ?)
      ON CONFLICT (guild_id, user_id, bucket) DO UPDATE SET micros = micros + excluded.micros`);
    this.addJournal = db.prepare('INSERT INTO spend_journal (guild_id, user_id, bucket, delta) VALUES (?, ?, ?, ?)');
    this.journalAfter = db.prepare('SELECT seq, guild_id AS guildId, user_id AS userId, bucket, delta FROM spend_journal WHERE seq > ? ORDER BY seq');
    this.journalMax = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM spend_journal').pluck();
    this.journalTrim = db.prepare('DELETE FROM spend_journal WHERE seq <= (SELECT MAX(seq) FROM spend_journal) - ?');
    this.insertRow = db.prepare(`INSERT INTO ledger (guild_id, user_id, channel_id, command, model, state, reserved_micros, charged_micros, bucket, created_at, long_running, holder, shared_key)
      VALUES (@guildId, @userId, @channelId, @command, @model, 'reserved', @reservedMicros, @reservedMicros, @bucket, @createdAt, @longRunning, @holder, @sharedKey)`);
    this.settleRow = db.prepare(`UPDATE ledger SET state = 'settled', charged_micros = @chargedMicros, input_tokens = @inputTokens, cached_tokens = @cachedTokens,
      output_tokens = @outputTokens, units = @units, settled_at = @settledAt WHERE id = @id AND state = 'reserved'`);
    this.releaseRow = db.prepare(`UPDATE ledger SET state = 'released', charged_micros = 0, settled_at = ? WHERE id = ? AND state = 'reserved'`);
    this.lowerRow = db.prepare(`UPDATE ledger SET reserved_micros = ?, charged_micros = ? WHERE id = ? AND state = 'reserved'`);
    const openColumns = 'id, guild_id AS guildId, user_id AS userId, command, model, reserved_micros AS reservedMicros, bucket, shared_key AS sharedKey';
    this.getOpen = db.prepare(`SELECT ${openColumns} FROM ledger WHERE id = ? AND state = 'reserved'`);
    // A sweep's charge is the reservation itself: the totals already count it, so they don't move.
    this.chargeRow = db.prepare(`UPDATE ledger SET state = 'settled', charged_micros = reserved_micros, settled_at = ?, orphaned = ${SWEPT} WHERE id = ? AND state = 'reserved'`);
    this.getSwept = db.prepare(`SELECT ${openColumns}, charged_micros AS countedMicros FROM ledger WHERE id = ? AND orphaned = ${SWEPT}`);
    this.settleSwept = db.prepare(`UPDATE ledger SET state = 'settled', charged_micros = @chargedMicros, input_tokens = @inputTokens, cached_tokens = @cachedTokens,
      output_tokens = @outputTokens, units = @units, settled_at = @settledAt, orphaned = ${SWEPT_THEN_CLOSED} WHERE id = @id AND orphaned = ${SWEPT}`);
    this.releaseSwept = db.prepare(`UPDATE ledger SET state = 'released', charged_micros = 0, settled_at = ?, orphaned = ${SWEPT_THEN_CLOSED} WHERE id = ? AND orphaned = ${SWEPT}`);
    // Served by ledger_interrupted (migration 0013): only the few rows a sweep charged.
    this.interrupted = db.prepare(`SELECT COUNT(*) AS calls, COALESCE(SUM(charged_micros), 0) AS micros FROM ledger
      WHERE state = 'settled' AND orphaned = ${SWEPT} AND created_at >= ?`);
    this.bySharedKey = db.prepare('SELECT id, state, reserved_micros AS reservedMicros FROM ledger WHERE shared_key = ?');
    this.orphaned = db.prepare(`SELECT ${openColumns} FROM ledger WHERE state = 'reserved' AND long_running = 0
      AND (holder IS NULL OR holder NOT IN (SELECT holder FROM ledger_holders WHERE expires_at > ?))`);
    this.byCommand = db.prepare(`SELECT command, SUM(charged_micros) AS micros, COUNT(*) AS calls,
      SUM(state = 'settled' AND orphaned = ${SWEPT}) AS interrupted FROM ledger
      WHERE guild_id = ? AND user_id = ? AND created_at >= ? AND state != 'released' GROUP BY command ORDER BY micros DESC`);
    this.topSpenders = db.prepare(`SELECT user_id AS userId, SUM(micros) AS micros FROM spend_buckets
      WHERE guild_id = ? AND user_id != '' AND bucket >= ? GROUP BY user_id HAVING micros > 0 ORDER BY micros DESC LIMIT ?`);
    this.byGuild = db.prepare(`SELECT guild_id AS guildId, SUM(micros) AS micros FROM spend_buckets
      WHERE user_id = '' AND guild_id != '${ALL_GUILDS}' AND bucket >= ? GROUP BY guild_id HAVING micros > 0 ORDER BY micros DESC LIMIT ?`);
    this.upsertLease = db.prepare(`INSERT INTO ledger_holders (holder, pid, host, started_at, expires_at) VALUES (@holder, @pid, @host, @now, @expiresAt)
      ON CONFLICT (holder) DO UPDATE SET expires_at = excluded.expires_at`);
    this.dropLease = db.prepare('DELETE FROM ledger_holders WHERE holder = ?');
    this.dropExpiredLeases = db.prepare('DELETE FROM ledger_holders WHERE expires_at <= ?');
    this.insertOverrun = db.prepare(`INSERT OR REPLACE INTO ledger_overruns (ledger_id, command, model, reserved_micros, charged_micros, created_at)
      VALUES (?, ?, ?, ?, ?, ?)`);
    this.countOverruns = db.prepare('SELECT COUNT(*) FROM ledger_overruns WHERE created_at >= ?').pluck();
  }

  /** Settled plus still-reserved spend of one total since a bucket. */
  spentSince(guildId: string, userId: string, fromBucket: number): number {
    return this.sumSince.get(guildId, userId, fromBucket) as number;
  }

  private adjust(guildId: string, userId: string, bucket: number, delta: number): void {
    if (delta === 0) return;
    for (const [guild, who] of totalsMoved(guildId, userId)) this.addBucket.run(guild, who, bucket, delta);
    this.addJournal.run(guildId, userId, bucket, delta);
  }

  reserve(row: NewReservation): number {
    const id = Number(this.insertRow.run({ ...row, longRunning: row.longRunning ? 1 : 0, sharedKey: row.sharedKey ?? null }).lastInsertRowid);
    this.adjust(row.guildId, row.userId, row.bucket, row.reservedMicros);
    return id;
  }

  /**
   * Returns the reservation as it was, or undefined when it was already settled or released by its holder.
   * One a sweep charged as reserved (its holder's lease expired while the call was still running) takes this,
   * the real figure, in place of the sweep's, once: the call's own settlement knows what was billed.
   */
  settle(id: number, settlement: Settlement): ClosedReservation | undefined {
    const found = this.closable(id);
    if (!found) return undefined;
    const values = { inputTokens: null, cachedTokens: null, outputTokens: null, units: null, ...settlement, id };
    (found.swept ? this.settleSwept : this.settleRow).run(values);
    this.adjust(found.row.guildId, found.row.userId, found.row.bucket, settlement.chargedMicros - found.counted);
    this.noteOverrun(id, found.row, settlement);
    return found.swept ? { ...found.row, sweptMicros: found.counted } : found.row;
  }

  /**
   * A reservation its holder may still close: open, or charged by a sweep and not yet closed by its holder.
   * `counted`: what the totals count for it now, the reservation or the sweep's charge (nothing, for one released before 0013).
   */
  private closable(id: number): { row: OpenReservation; counted: number; swept: boolean } | undefined {
    const open = this.getOpen.get(id) as OpenReservation | undefined;
    if (open) return { row: open, counted: open.reservedMicros, swept: false };
    const late = this.getSwept.get(id) as (OpenReservation & { countedMicros: number }) | undefined;
    return late && { row: toOpen(late), counted: late.countedMicros, swept: true };
  }

  private noteOverrun(id: number, open: OpenReservation, settlement: Settlement): void {
    if (settlement.chargedMicros > open.reservedMicros) {
      this.insertOverrun.run(id, open.command, open.model, open.reservedMicros, settlement.chargedMicros, settlement.settledAt);
    }
  }

  /**
   * Its holder found the call was never billed. One a sweep charged as reserved is released all the same, once
   * (see settle): the holder, not the sweep, knows what happened to the call.
   */
  release(id: number, at: number): ClosedReservation | undefined {
    const found = this.closable(id);
    if (!found) return undefined;
    (found.swept ? this.releaseSwept : this.releaseRow).run(at, id);
    this.adjust(found.row.guildId, found.row.userId, found.row.bucket, -found.counted);
    return found.swept ? { ...found.row, sweptMicros: found.counted } : found.row;
  }

  /**
   * A sweep's verdict on a reservation whose holder died: charged as reserved, since the call was almost always
   * sent, and billed, by then; the reservation is what the limits allowed it, so no limit is passed.
   */
  chargeOrphan(id: number, at: number): OpenReservation | undefined {
    const open = this.getOpen.get(id) as OpenReservation | undefined;
    if (!open) return undefined;
    this.chargeRow.run(at, id);
    return open;
  }

  /** Lowers an open reservation to `micros` (never raises it); returns it as it was, or undefined when closed or not lower. */
  lower(id: number, micros: number): OpenReservation | undefined {
    const open = this.getOpen.get(id) as OpenReservation | undefined;
    if (!open || micros >= open.reservedMicros) return undefined;
    this.lowerRow.run(micros, micros, id);
    this.adjust(open.guildId, open.userId, open.bucket, micros - open.reservedMicros);
    return open;
  }

  /** The reservation a host made under `key` at the coordinator, in whatever state. */
  byKey(key: string): { id: number; state: 'reserved' | 'settled' | 'released'; reservedMicros: number } | undefined {
    return this.bySharedKey.get(key) as { id: number; state: 'reserved' | 'settled' | 'released'; reservedMicros: number } | undefined;
  }

  /** Changes of spend totals committed after `seq`, oldest first. */
  journalSince(seq: number): JournalRow[] {
    return this.journalAfter.all(seq) as JournalRow[];
  }

  /** The newest journal row's sequence number (0 when empty). */
  journalHead(): number {
    return this.journalMax.get() as number;
  }

  /** Keeps the newest `keep` journal rows: a process further behind than that rebuilds its totals. */
  trimJournal(keep: number): void {
    this.journalTrim.run(keep);
  }

  /** Open reservations whose holder's lease has expired (or that predate leases); long-running ones are left out. */
  orphanedReservations(now: number): OpenReservation[] {
    return this.orphaned.all(now) as OpenReservation[];
  }

  renewLease(lease: { holder: string; pid: number; host: string; now: number; expiresAt: number }): void {
    this.upsertLease.run(lease);
  }

  endLease(holder: string): void {
    this.dropLease.run(holder);
  }

  forgetExpiredLeases(now: number): void {
    this.dropExpiredLeases.run(now);
  }

  overrunsSince(at: number): number {
    return this.countOverruns.get(at) as number;
  }

  spendByCommand(guildId: string, userId: string, since: number): CommandSpend[] {
    return this.byCommand.all(guildId, userId, since) as CommandSpend[];
  }

  /** Calls a sweep charged as reserved (no settlement of their own came) made since `at`, across the bot. */
  interruptedSince(at: number): { calls: number; micros: number } {
    return this.interrupted.get(at) as { calls: number; micros: number };
  }

  topSpendersSince(guildId: string, fromBucket: number, limit: number): { userId: string; micros: number }[] {
    return this.topSpenders.all(guildId, fromBucket, limit) as { userId: string; micros: number }[];
  }

  /** Servers (and '@dm') by spend since a bucket, largest first. */
  spendByGuildSince(fromBucket: number, limit: number): { guildId: string; micros: number }[] {
    return this.byGuild.all(fromBucket, limit) as { guildId: string; micros: number }[];
  }
}
