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
  private readonly allowedAll;
  private readonly allowedAdd;
  private readonly noticeAdd;

  constructor(readonly db: Db) {
    this.ceilingGet = db.prepare('SELECT amount_micros AS amountMicros, period, updated_by AS updatedBy, updated_at AS updatedAt FROM server_ceilings WHERE guild_id = ?');
    this.ceilingSet = db.prepare(`INSERT INTO server_ceilings (guild_id, period, amount_micros, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id) DO UPDATE SET period = excluded.period, amount_micros = excluded.amount_micros, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.ceilingClear = db.prepare('DELETE FROM server_ceilings WHERE guild_id = ?');
    this.allowedGet = db.prepare('SELECT 1 FROM allowed_guilds WHERE guild_id = ?').pluck();
    this.allowedAll = db.prepare('SELECT guild_id FROM allowed_guilds ORDER BY added_at').pluck();
    this.allowedAdd = db.prepare('INSERT OR IGNORE INTO allowed_guilds (guild_id, added_by, added_at) VALUES (?, ?, ?)');
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
    return this.allowedAll.all() as string[];
  }

  allow(guildId: string, actorId: string, at: number): boolean {
    return this.allowedAdd.run(guildId, actorId, at).changes > 0;
  }

  /** Records a notice for a period; true only for the first caller (of any process), who sends it. */
  claimNotice(periodStart: number, level: number, at: number): boolean {
    return this.noticeAdd.run(periodStart, level, at).changes > 0;
  }
}
