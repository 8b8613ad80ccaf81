/** What /budget show, history and top display (texts in locales/<language>/budget.json). */
import type { AuditRow, LimitScope } from '../../db/budgetLimits.ts';
import { formatUsd } from '../pricing/index.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { decodeLimit, type BudgetOverview, type LimitOverview } from './admin.ts';
import { budgetText, currentPeriod, formatChange, formatLimit, targetLabel, toMessages } from './format.ts';
import { absoluteTime, relativeTime } from './messages.ts';
import type { Period } from './periods.ts';

/** "$2.00 a day — $0.12 spent, resets in 3 hours" (spend only where it is one member's or the server's). */
function limitLine(entry: LimitOverview, withSpend: boolean, language: CatalogueLanguage): string {
  const limit = formatLimit(entry.row, language);
  const status = entry.status;
  if (!status) return budgetText('line.exempt', language, { limit });
  const resets = relativeTime(status.resetsAt);
  return withSpend ? budgetText('line.spent', language, { limit, spent: formatUsd(status.spentMicros), resets }) : budgetText('line.plain', language, { limit, resets });
}

export function describeOverview(view: BudgetOverview, language: CatalogueLanguage): string[] {
  const lines = [budgetText('overview.title', language, { zone: view.timeZone })];
  lines.push(view.server ? budgetText('overview.cap', language, { line: limitLine(view.server, true, language) }) : budgetText('overview.capNone', language));
  if (view.default) lines.push(budgetText('overview.default', language, { line: limitLine(view.default, false, language) }));
  else if (view.fallback) {
    const { limit, resetsAt } = view.fallback;
    lines.push(budgetText('overview.defaultFallback', language, { limit: formatLimit(limit, language), resets: relativeTime(resetsAt) }));
  } else lines.push(budgetText('overview.defaultNone', language));
  if (view.roles.length > 0) {
    lines.push(budgetText('overview.roles', language));
    for (const entry of view.roles) lines.push(`• <@&${entry.row.targetId}>: ${limitLine(entry, false, language)}`);
  }
  if (view.exemptRoles.length > 0) lines.push(budgetText('overview.exempt', language, { roles: view.exemptRoles.map((id) => `<@&${id}>`).join(', ') }));
  if (view.users.length > 0) {
    lines.push(budgetText('overview.members', language));
    for (const entry of view.users) lines.push(`• <@${entry.row.targetId}>: ${limitLine(entry, true, language)}`);
  }
  return toMessages(lines);
}

function describeAudit(row: AuditRow, language: CatalogueLanguage): string {
  const head = `${absoluteTime(row.createdAt)} · <@${row.actorId}> · `;
  const yesNo = (value: string | null) => budgetText(value === 'yes' ? 'audit.yes' : 'audit.no', language);
  switch (row.action) {
    case 'set':
    case 'clear':
      return head + budgetText('audit.limit', language, {
        target: targetLabel({ scope: row.scope as LimitScope, targetId: row.targetId }, language),
        change: formatChange(decodeLimit(row.oldValue), decodeLimit(row.newValue), language),
      });
    case 'exempt':
      return head + budgetText('audit.exempt', language, { role: row.targetId, old: yesNo(row.oldValue), new: yesNo(row.newValue) });
    case 'timezone':
      return head + budgetText('audit.timezone', language, { old: row.oldValue ?? 'UTC', new: row.newValue ?? 'UTC' });
    default:
      return `${head}${row.action} ${row.scope} ${row.targetId}: ${row.oldValue ?? '—'} → ${row.newValue ?? '—'}`;
  }
}

export function describeHistory(rows: readonly AuditRow[], language: CatalogueLanguage): string[] {
  if (rows.length === 0) return [budgetText('history.empty', language)];
  return toMessages([budgetText('history.title', language, { count: rows.length }), ...rows.map((row) => describeAudit(row, language))]);
}

export function describeTop(rows: readonly { userId: string; micros: number }[], period: Period, language: CatalogueLanguage): string {
  const when = currentPeriod(period, language);
  if (rows.length === 0) return budgetText('top.empty', language, { when });
  return [budgetText('top.title', language, { when }), ...rows.map((row, n) => `${n + 1}. <@${row.userId}> — ${formatUsd(row.micros)}`)].join('\n');
}
