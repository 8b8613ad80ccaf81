import type { Period } from '../services/budget/periods.ts';
import type { Db } from './connection.ts';

export type LimitScope = 'user' | 'role' | 'default' | 'server';

export interface LimitRow {
  scope: LimitScope;
  targetId: string;
  period: Period;
  amountMicros: number;
  updatedBy: string;
  updatedAt: number;
}

export interface AuditRow {
  actorId: string;
  action: string;
  scope: string;
  targetId: string;
  oldValue: string | null;
  newValue: string | null;
  createdAt: number;
}

/** SQL for budget limits, exempt roles, the audit trail and the server's time zone. */
export class BudgetStore {
  private readonly limitsStmt;
  private readonly upsertLimit;
  private readonly deleteLimit;
  private readonly exemptStmt;
  private readonly addExempt;
  private readonly removeExempt;
  private readonly auditInsert;
  private readonly auditList;
  private readonly tzGet;
  private readonly tzSet;

  constructor(readonly db: Db) {
    this.limitsStmt = db.prepare(`SELECT scope, target_id AS targetId, period, amount_micros AS amountMicros, updated_by AS updatedBy, updated_at AS updatedAt
      FROM budget_limits WHERE guild_id = ?`);
    this.upsertLimit = db.prepare(`INSERT INTO budget_limits (guild_id, scope, target_id, period, amount_micros, updated_by, updated_at)
      VALUES (@guildId, @scope, @targetId, @period, @amountMicros, @updatedBy, @updatedAt)
      ON CONFLICT (guild_id, scope, target_id) DO UPDATE SET period = excluded.period, amount_micros = excluded.amount_micros,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.deleteLimit = db.prepare('DELETE FROM budget_limits WHERE guild_id = ? AND scope = ? AND target_id = ?');
    this.exemptStmt = db.prepare('SELECT role_id FROM budget_exempt_roles WHERE guild_id = ?').pluck();
    this.addExempt = db.prepare('INSERT OR IGNORE INTO budget_exempt_roles (guild_id, role_id) VALUES (?, ?)');
    this.removeExempt = db.prepare('DELETE FROM budget_exempt_roles WHERE guild_id = ? AND role_id = ?');
    this.auditInsert = db.prepare(`INSERT INTO budget_audit (guild_id, actor_id, action, scope, target_id, old_value, new_value, created_at)
      VALUES (@guildId, @actorId, @action, @scope, @targetId, @oldValue, @newValue, @createdAt)`);
    this.auditList = db.prepare(`SELECT actor_id AS actorId, action, scope, target_id AS targetId, old_value AS oldValue, new_value AS newValue, created_at AS createdAt
      FROM budget_audit WHERE guild_id = ? ORDER BY id DESC LIMIT ?`);
    this.tzGet = db.prepare('SELECT time_zone FROM guild_settings WHERE guild_id = ?').pluck();
    this.tzSet = db.prepare(`INSERT INTO guild_settings (guild_id, time_zone) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET time_zone = excluded.time_zone`);
  }

  limits(guildId: string): LimitRow[] {
    return this.limitsStmt.all(guildId) as LimitRow[];
  }

  setLimit(guildId: string, row: LimitRow): void {
    this.upsertLimit.run({ guildId, ...row });
  }

  clearLimit(guildId: string, scope: LimitScope, targetId: string): boolean {
    return this.deleteLimit.run(guildId, scope, targetId).changes > 0;
  }

  exemptRoles(guildId: string): string[] {
    return this.exemptStmt.all(guildId) as string[];
  }

  setExempt(guildId: string, roleId: string, exempt: boolean): boolean {
    return (exempt ? this.addExempt.run(guildId, roleId) : this.removeExempt.run(guildId, roleId)).changes > 0;
  }

  audit(guildId: string, row: AuditRow): void {
    this.auditInsert.run({ guildId, ...row });
  }

  auditTrail(guildId: string, limit: number): AuditRow[] {
    return this.auditList.all(guildId, limit) as AuditRow[];
  }

  timeZone(guildId: string): string | undefined {
    return (this.tzGet.get(guildId) as string | null | undefined) ?? undefined;
  }

  setTimeZone(guildId: string, timeZone: string | null): void {
    this.tzSet.run(guildId, timeZone);
  }
}
