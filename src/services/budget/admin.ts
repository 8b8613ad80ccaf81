import type { AuditRow, BudgetStore, LimitRow, LimitScope } from '../../db/budgetLimits.ts';
import type { Ledger, LimitStatus, Payer, UsageReport } from './ledger.ts';
import type { AppliedLimit } from './limits.ts';
import type { Period } from './periods.ts';
import { setGuildTimeZone, type TimeZoneChange } from './timeZone.ts';

export interface LimitValue {
  amountMicros: number;
  period: Period;
}

export interface LimitTarget {
  scope: LimitScope;
  /** user or role id; '' for the server default and the server cap */
  targetId: string;
}

export interface Change<T> {
  changed: boolean;
  old: T | null;
  new: T | null;
}

export interface LimitOverview {
  row: LimitRow;
  /** From the ledger's point of view (its clock and the server's time zone); null when an exempt role overrides a role limit. */
  status: LimitStatus | null;
}

export interface BudgetOverview {
  timeZone: string;
  server: LimitOverview | null;
  default: LimitOverview | null;
  /** The bot-wide limit members get when the server sets no default (null: unlimited). */
  fallback: { limit: AppliedLimit; resetsAt: number } | null;
  roles: LimitOverview[];
  users: LimitOverview[];
  exemptRoles: string[];
}

export interface UsageView {
  report: UsageReport;
  /** The exempt role that frees this member from personal limits, if any. */
  exemptRoleId: string | null;
  inDm: boolean;
}

/** Audit values of limits are stored as `<micros>/<period>`, readable by people and by decodeLimit. */
export const encodeLimit = (value: LimitValue | null) => (value ? `${value.amountMicros}/${value.period}` : null);
export function decodeLimit(text: string | null): LimitValue | null {
  const match = text ? /^(\d+)\/(day|week|month)$/.exec(text) : null;
  return match ? { amountMicros: Number(match[1]), period: match[2] as Period } : null;
}

/** A user id no member has: whose resolution shows what a role or the default means by itself. */
const NOBODY = '0';

/** What /budget and /usage need: changes with their audit rows in one transaction, and views of limits and spend. */
export class BudgetAdmin {
  constructor(
    private readonly store: BudgetStore,
    private readonly ledger: Ledger,
    private readonly now: () => number = Date.now,
  ) {}

  private current(guildId: string, target: LimitTarget): LimitValue | null {
    const row = this.store.limits(guildId).find((r) => r.scope === target.scope && r.targetId === target.targetId);
    return row ? { amountMicros: row.amountMicros, period: row.period } : null;
  }

  private audit(guildId: string, row: Omit<AuditRow, 'createdAt'>): void {
    this.store.audit(guildId, { ...row, createdAt: this.now() });
  }

  /** The operator's limits that sit above what this server's admins set. */
  operatorLimits(guildId: string): { serverCeiling: LimitValue | null; member: LimitValue | null } {
    return this.ledger.operatorLimitsFor(guildId);
  }

  setLimit(guildId: string, actorId: string, target: LimitTarget, value: LimitValue): Change<LimitValue> {
    return this.store.db.transaction((): Change<LimitValue> => {
      const old = this.current(guildId, target);
      if (old && old.amountMicros === value.amountMicros && old.period === value.period) return { changed: false, old, new: old };
      this.store.setLimit(guildId, { ...target, ...value, updatedBy: actorId, updatedAt: this.now() });
      this.audit(guildId, { actorId, action: 'set', ...target, oldValue: encodeLimit(old), newValue: encodeLimit(value) });
      return { changed: true, old, new: value };
    }).immediate();
  }

  clearLimit(guildId: string, actorId: string, target: LimitTarget): Change<LimitValue> {
    return this.store.db.transaction((): Change<LimitValue> => {
      const old = this.current(guildId, target);
      if (!old) return { changed: false, old: null, new: null };
      this.store.clearLimit(guildId, target.scope, target.targetId);
      this.audit(guildId, { actorId, action: 'clear', ...target, oldValue: encodeLimit(old), newValue: null });
      return { changed: true, old, new: null };
    }).immediate();
  }

  setExempt(guildId: string, actorId: string, roleId: string, exempt: boolean): Change<boolean> {
    return this.store.db.transaction((): Change<boolean> => {
      const old = this.store.exemptRoles(guildId).includes(roleId);
      if (old === exempt) return { changed: false, old, new: exempt };
      this.store.setExempt(guildId, roleId, exempt);
      this.audit(guildId, { actorId, action: 'exempt', scope: 'role', targetId: roleId, oldValue: old ? 'yes' : 'no', newValue: exempt ? 'yes' : 'no' });
      return { changed: true, old, new: exempt };
    }).immediate();
  }

  setTimeZone(guildId: string, actorId: string, zone: string): TimeZoneChange {
    return setGuildTimeZone(this.store, { guildId, actorId, zone, at: this.now() });
  }

  history(guildId: string, count: number): AuditRow[] {
    return this.store.auditTrail(guildId, count);
  }

  topSpenders(guildId: string, period: Period, count: number): { userId: string; micros: number }[] {
    return this.ledger.topSpenders(guildId, period, count);
  }

  /** Every limit of a server; spend and reset times come from the ledger, the one authority on periods. */
  overview(guildId: string): BudgetOverview {
    const asMember = (userId: string, roleIds: string[] = []): UsageReport => this.ledger.usage({ guildId, userId, roleIds, channelId: null });
    const rows = this.store.limits(guildId);
    const nobody = asMember(NOBODY);
    const byScope = (scope: LimitScope) => rows.filter((r) => r.scope === scope).sort((a, b) => a.updatedAt - b.updatedAt);
    const one = (scope: 'default' | 'server', status: LimitStatus | null) => {
      const row = byScope(scope)[0];
      return row ? { row, status } : null;
    };
    const fallbackStatus = nobody.personal?.limit.source === 'config' ? nobody.personal : null;
    return {
      timeZone: this.ledger.timeZone({ guildId, userId: NOBODY, roleIds: [], channelId: null }),
      server: one('server', nobody.server),
      default: one('default', nobody.personal?.limit.source === 'default' ? nobody.personal : null),
      fallback: fallbackStatus ? { limit: fallbackStatus.limit, resetsAt: fallbackStatus.resetsAt } : null,
      roles: byScope('role').map((row) => ({ row, status: asMember(NOBODY, [row.targetId]).personal })),
      users: byScope('user').map((row) => ({ row, status: asMember(row.targetId).personal })),
      exemptRoles: this.store.exemptRoles(guildId),
    };
  }

  usage(payer: Payer): UsageView {
    const report = this.ledger.usage(payer);
    const exempt = payer.guildId && report.resolution.exempt ? this.store.exemptRoles(payer.guildId) : [];
    return { report, exemptRoleId: payer.roleIds.find((id) => exempt.includes(id)) ?? null, inDm: payer.guildId === null };
  }
}
