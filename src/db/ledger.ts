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
  /** Outlives the process (a fine-tuning job): not released as a crash leftover at start-up. */
  longRunning?: boolean;
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
  reservedMicros: number;
  bucket: number;
}

/** The server's total lives in spend_buckets under this user id. */
export const SERVER_TOTAL = '';

/** SQL for the spending ledger; the caller wraps calls in one immediate transaction. */
export class LedgerStore {
  private readonly sumSince;
  private readonly addBucket;
  private readonly insertRow;
  private readonly settleRow;
  private readonly releaseRow;
  private readonly getOpen;
  private readonly allOpen;
  private readonly byCommand;
  private readonly topSpenders;

  constructor(readonly db: Db) {
    this.sumSince = db.prepare('SELECT COALESCE(SUM(micros), 0) AS total FROM spend_buckets WHERE guild_id = ? AND user_id = ? AND bucket >= ?').pluck();
    this.addBucket = db.prepare(`INSERT INTO spend_buckets (guild_id, user_id, bucket, micros) VALUES (?, ?, ?, ?)
      ON CONFLICT (guild_id, user_id, bucket) DO UPDATE SET micros = micros + excluded.micros`);
    this.insertRow = db.prepare(`INSERT INTO ledger (guild_id, user_id, channel_id, command, model, state, reserved_micros, charged_micros, bucket, created_at, long_running)
      VALUES (@guildId, @userId, @channelId, @command, @model, 'reserved', @reservedMicros, @reservedMicros, @bucket, @createdAt, @longRunning)`);
    this.settleRow = db.prepare(`UPDATE ledger SET state = 'settled', charged_micros = @chargedMicros, input_tokens = @inputTokens, cached_tokens = @cachedTokens,
      output_tokens = @outputTokens, units = @units, settled_at = @settledAt WHERE id = @id AND state = 'reserved'`);
    this.releaseRow = db.prepare(`UPDATE ledger SET state = 'released', charged_micros = 0, settled_at = ? WHERE id = ? AND state = 'reserved'`);
    this.getOpen = db.prepare(`SELECT id, guild_id AS guildId, user_id AS userId, reserved_micros AS reservedMicros, bucket FROM ledger WHERE id = ? AND state = 'reserved'`);
    this.allOpen = db.prepare(`SELECT id, guild_id AS guildId, user_id AS userId, reserved_micros AS reservedMicros, bucket FROM ledger WHERE state = 'reserved' AND long_running = 0`);
    this.byCommand = db.prepare(`SELECT command, SUM(charged_micros) AS micros, COUNT(*) AS calls FROM ledger
      WHERE guild_id = ? AND user_id = ? AND created_at >= ? AND state != 'released' GROUP BY command ORDER BY micros DESC`);
    this.topSpenders = db.prepare(`SELECT user_id AS userId, SUM(micros) AS micros FROM spend_buckets
      WHERE guild_id = ? AND user_id != '' AND bucket >= ? GROUP BY user_id HAVING micros > 0 ORDER BY micros DESC LIMIT ?`);
  }

  /** Settled plus still-reserved spend of one user (or SERVER_TOTAL) since a bucket. */
  spentSince(guildId: string, userId: string, fromBucket: number): number {
    return this.sumSince.get(guildId, userId, fromBucket) as number;
  }

  private adjust(guildId: string, userId: string, bucket: number, delta: number): void {
    if (delta === 0) return;
    this.addBucket.run(guildId, userId, bucket, delta);
    this.addBucket.run(guildId, SERVER_TOTAL, bucket, delta);
  }

  reserve(row: NewReservation): number {
    const id = Number(this.insertRow.run({ ...row, longRunning: row.longRunning ? 1 : 0 }).lastInsertRowid);
    this.adjust(row.guildId, row.userId, row.bucket, row.reservedMicros);
    return id;
  }

  /** Returns the reservation as it was, or undefined when it was already settled or released. */
  settle(id: number, settlement: Settlement): OpenReservation | undefined {
    const open = this.getOpen.get(id) as OpenReservation | undefined;
    if (!open) return undefined;
    this.settleRow.run({ inputTokens: null, cachedTokens: null, outputTokens: null, units: null, ...settlement, id });
    this.adjust(open.guildId, open.userId, open.bucket, settlement.chargedMicros - open.reservedMicros);
    return open;
  }

  release(id: number, at: number): OpenReservation | undefined {
    const open = this.getOpen.get(id) as OpenReservation | undefined;
    if (!open) return undefined;
    this.releaseRow.run(at, id);
    this.adjust(open.guildId, open.userId, open.bucket, -open.reservedMicros);
    return open;
  }

  /** Open reservations of calls that end with the process; long-running ones are left out. */
  openReservations(): OpenReservation[] {
    return this.allOpen.all() as OpenReservation[];
  }

  spendByCommand(guildId: string, userId: string, since: number): { command: string; micros: number; calls: number }[] {
    return this.byCommand.all(guildId, userId, since) as { command: string; micros: number; calls: number }[];
  }

  topSpendersSince(guildId: string, fromBucket: number, limit: number): { userId: string; micros: number }[] {
    return this.topSpenders.all(guildId, fromBucket, limit) as { userId: string; micros: number }[];
  }
}
