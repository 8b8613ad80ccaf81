import type { Period } from '../services/budget/periods.ts';
import type { Db } from './connection.ts';

export interface CeilingRow {
  /** null: this server has no ceiling (the operator lifted it). */
  amountMicros: number | null;
  period: Period;
  updatedBy: string;
  updatedAt: number;
}

/** SQL for what the operator sets with /operator: per-server ceilings, approved servers, notices sent. */
export class OperatorStore {
  private readonly ceilingGet;
  private readonly ceilingSet;
  private readonly ceilingClear;
  private readonly allowedGet;
  private readonly allowedAdd;
  private readonly ceilingAll;
  private readonly allowedRows;
  private readonly noticeAdd;

  constructor(readonly db: Db) {
    this.ceilingGet = db.prepare('SELECT amount_micros AS amountMicros, period, updated_by AS updatedBy, updated_at AS updatedAt FROM server_ceilings WHERE guild_id = ?');
    this.ceilingSet = db.prepare(`INSERT INTO server_ceilings (guild_id, period, amount_micros, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id) DO UPDATE SET period = excluded.period, amount_micros = excluded.amount_micros, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.ceilingClear = db.prepare('DELETE FROM server_ceilings WHERE guild_id = ?');
    this.allowedGet = db.prepare('SELECT 1 FROM allowed_guilds WHERE guild_id = ?').pluck();
    this.allowedAdd = db.prepare('INSERT OR IGNORE INTO allowed_guilds (guild_id, added_by, added_at) VALUES (?, ?, ?)');
    this.ceilingAll = db.prepare('SELECT guild_id AS guildId, amount_micros AS amountMicros, period, updated_by AS actorId FROM server_ceilings ORDER BY guild_id');
    this.allowedRows = db.prepare('SELECT guild_id AS guildId, added_by AS actorId FROM allowed_guilds ORDER BY added_at');
    this.noticeAdd = db.prepare('INSERT OR IGNORE INTO operator_notices (period_start, level, sent_at) VALUES (?, ?, ?)');
  }

  ceiling(guildId: string): CeilingRow | undefined {
    return this.ceilingGet.get(guildId) as CeilingRow | undefined;
  }

  setCeiling(guildId: string, value: { amountMicros: number | null; period: Period }, actorId: string, at: number): void {
    this.ceilingSet.run(guildId, value.period, value.amountMicros, actorId, at);
  }

  clearCeiling(guildId: string): void {
    this.ceilingClear.run(guildId);
  }

  isAllowed(guildId: string): boolean {
    return this.allowedGet.get(guildId) !== undefined;
  }

  allowedGuilds(): string[] {
    return this.allowedBy().map((a) => a.guildId);
  }

  /** Every ceiling the operator set, for another host catching up (see budget/shared/coordinator.ts). */
  ceilings(): { guildId: string; amountMicros: number | null; period: Period; actorId: string }[] {
    return this.ceilingAll.all() as { guildId: string; amountMicros: number | null; period: Period; actorId: string }[];
  }

  ceilingGuilds(): string[] {
    return this.ceilings().map((c) => c.guildId);
  }

  /** Every server the operator allowed with /operator allow, with who did. */
  allowedBy(): { guildId: string; actorId: string }[] {
    return this.allowedRows.all() as { guildId: string; actorId: string }[];
  }

  allow(guildId: string, actorId: string, at: number): boolean {
    return this.allowedAdd.run(guildId, actorId, at).changes > 0;
  }

  /** Records a notice for a period; true only for the first caller (of any process), who sends it. */
  claimNotice(periodStart: number, level: number, at: number): boolean {
    return this.noticeAdd.run(periodStart, level, at).changes > 0;
  }
}
