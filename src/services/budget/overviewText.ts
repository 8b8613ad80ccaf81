/** What /budget show, history and top display (English and Traditional Chinese). */
import type { AuditRow, LimitScope } from '../../db/budgetLimits.ts';
import { formatUsd } from '../pricing/index.ts';
import type { Language } from '../failureMessages.ts';
import { decodeLimit, type BudgetOverview, type LimitOverview } from './admin.ts';
import { currentPeriod, formatChange, formatLimit, pick, targetLabel, toMessages } from './format.ts';
import { absoluteTime, relativeTime } from './messages.ts';
import type { Period } from './periods.ts';

/** "$2.00 a day — $0.12 spent, resets in 3 hours" (spend only where it is one member's or the server's). */
function limitLine(entry: LimitOverview, withSpend: boolean, language: Language): string {
  const limit = formatLimit(entry.row, language);
  const status = entry.status;
  if (!status) return `${limit} — ${pick(language, 'not applied: the role is exempt', '未套用：此身分組為豁免')}`;
  const spent = withSpend ? pick(language, `${formatUsd(status.spentMicros)} spent, `, `已用 ${formatUsd(status.spentMicros)}，`) : '';
  return `${limit} — ${spent}${pick(language, `resets ${relativeTime(status.resetsAt)}`, `${relativeTime(status.resetsAt)}重設`)}`;
}

export function describeOverview(view: BudgetOverview, language: Language): string[] {
  const lines = [pick(language, `**Spending limits in this server** (time zone: ${view.timeZone})`, `**本伺服器的花費額度**（時區：${view.timeZone}）`)];
  const cap = pick(language, '**Server cap** (all members together)', '**伺服器總額度**（全體成員合計）');
  lines.push(view.server ? `${cap}: ${limitLine(view.server, true, language)}` : `${cap}: ${pick(language, 'none', '無')}`);
  const def = pick(language, '**Default** (each member)', '**預設額度**（每位成員各自）');
  if (view.default) lines.push(`${def}: ${limitLine(view.default, false, language)}`);
  else if (view.fallback) {
    const { limit, resetsAt } = view.fallback;
    lines.push(pick(language,
      `${def}: none set, so the bot's default applies: ${formatLimit(limit, language)} — resets ${relativeTime(resetsAt)}`,
      `${def}：未設定，因此套用機器人的預設額度：${formatLimit(limit, language)}，${relativeTime(resetsAt)}重設`));
  } else lines.push(pick(language, `${def}: none, and the bot sets no default: members without their own or a role limit are not limited`, `${def}：無，機器人也沒有預設額度：沒有個人或身分組額度的成員不受限制`));
  if (view.roles.length > 0) {
    lines.push(pick(language, '**Roles** (a member gets the most generous limit among their roles):', '**身分組**（成員套用其身分組中最寬鬆的額度）：'));
    for (const entry of view.roles) lines.push(`• <@&${entry.row.targetId}>: ${limitLine(entry, false, language)}`);
  }
  if (view.exemptRoles.length > 0) {
    lines.push(`${pick(language, '**Exempt roles** (no personal limit)', '**豁免身分組**（不受個人額度限制）')}: ${view.exemptRoles.map((id) => `<@&${id}>`).join(', ')}`);
  }
  if (view.users.length > 0) {
    lines.push(pick(language, '**Members** (their own limit wins over roles and the default):', '**成員**（個人額度優先於身分組與預設額度）：'));
    for (const entry of view.users) lines.push(`• <@${entry.row.targetId}>: ${limitLine(entry, true, language)}`);
  }
  return toMessages(lines);
}

function describeAudit(row: AuditRow, language: Language): string {
  const head = `${absoluteTime(row.createdAt)} · <@${row.actorId}> · `;
  const yesNo = (value: string | null) => (value === 'yes' ? pick(language, 'yes', '是') : pick(language, 'no', '否'));
  switch (row.action) {
    case 'set':
    case 'clear':
      return `${head}${targetLabel({ scope: row.scope as LimitScope, targetId: row.targetId }, language)}: ${formatChange(decodeLimit(row.oldValue), decodeLimit(row.newValue), language)}`;
    case 'exempt':
      return `${head}${pick(language, `Role <@&${row.targetId}> exempt`, `<@&${row.targetId}> 身分組豁免`)}: ${yesNo(row.oldValue)} → ${yesNo(row.newValue)}`;
    case 'timezone':
      return `${head}${pick(language, 'Time zone', '時區')}: ${row.oldValue ?? 'UTC'} → ${row.newValue ?? 'UTC'}`;
    default:
      return `${head}${row.action} ${row.scope} ${row.targetId}: ${row.oldValue ?? '—'} → ${row.newValue ?? '—'}`;
  }
}

export function describeHistory(rows: readonly AuditRow[], language: Language): string[] {
  if (rows.length === 0) return [pick(language, 'No spending limits have been changed in this server yet.', '本伺服器尚未變更過任何花費額度。')];
  const head = pick(language, `**Budget changes, newest first** (last ${rows.length}):`, `**額度變更記錄，由新到舊**（最近 ${rows.length} 筆）：`);
  return toMessages([head, ...rows.map((row) => describeAudit(row, language))]);
}

export function describeTop(rows: readonly { userId: string; micros: number }[], period: Period, language: Language): string {
  const when = currentPeriod(period, language);
  if (rows.length === 0) return pick(language, `Nobody has spent anything ${when} yet.`, `${when}還沒有人花費。`);
  const head = pick(language, `**Top spenders ${when}**`, `**${when}花費最多的成員**`);
  return [head, ...rows.map((row, n) => `${n + 1}. <@${row.userId}> — ${formatUsd(row.micros)}`)].join('\n');
}
