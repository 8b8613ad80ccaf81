import type { LimitRow } from '../../db/budgetLimits.ts';
import { PERIOD_DAYS, type Period } from './periods.ts';

/**
 * Where a limit comes from. The server admins': `user`, `role`, `default`, `server` (the cap), and `config`, the
 * bot-wide fallback (servers with no default, and DMs). The operator's (.env and /operator): `server-ceiling` (the
 * most one server may spend), `member-total` (one person across every server and DM), `bot-total` (everything),
 * and the gates `not-allowed` (a server the operator has not approved), `dm-off` (DM_ACCESS=off) and `coordinator-down` (on a
 * host of several, the coordinator holding the totals across hosts could not be reached).
 */
export type LimitSource = 'user' | 'role' | 'default' | 'config' | 'server' | 'server-ceiling' | 'member-total' | 'bot-total' | 'not-allowed' | 'dm-off' | 'coordinator-down';

export interface AppliedLimit {
  source: LimitSource;
  targetId: string;
  period: Period;
  amountMicros: number;
}

export interface LimitResolution {
  /** The member's own limit; null when exempt or when nothing limits them. */
  personal: AppliedLimit | null;
  exempt: boolean;
  server: AppliedLimit | null;
}

export interface FallbackLimit {
  period: Period;
  amountMicros: number;
}

const applied = (row: LimitRow, source: LimitSource): AppliedLimit => ({ source, targetId: row.targetId, period: row.period, amountMicros: row.amountMicros });

/** Limits written over different periods are compared by their daily rate. */
const dailyRate = (row: LimitRow) => row.amountMicros / PERIOD_DAYS[row.period];

/**
 * A member's own limit wins; else an exempt role frees them; else the most generous of their
 * roles' limits; else the server default; else the bot-wide fallback. The server cap applies on top.
 */
export function resolveLimits(
  rows: readonly LimitRow[], exemptRoles: readonly string[], userId: string, roleIds: readonly string[], fallback: FallbackLimit | null,
): LimitResolution {
  const server = rows.find((r) => r.scope === 'server');
  const result = (personal: AppliedLimit | null, exempt = false): LimitResolution => ({ personal, exempt, server: server ? applied(server, 'server') : null });

  const own = rows.find((r) => r.scope === 'user' && r.targetId === userId);
  if (own) return result(applied(own, 'user'));
  if (roleIds.some((id) => exemptRoles.includes(id))) return result(null, true);
  const roleLimits = rows.filter((r) => r.scope === 'role' && roleIds.includes(r.targetId));
  if (roleLimits.length > 0) {
    const best = roleLimits.reduce((a, b) => (dailyRate(b) > dailyRate(a) || (dailyRate(b) === dailyRate(a) && b.amountMicros > a.amountMicros) ? b : a));
    return result(applied(best, 'role'));
  }
  const serverDefault = rows.find((r) => r.scope === 'default');
  if (serverDefault) return result(applied(serverDefault, 'default'));
  return result(fallback ? { source: 'config', targetId: '', ...fallback } : null);
}
