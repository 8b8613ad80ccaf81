/** Replies of /budget's changes and refusals (texts in locales/<language>/budget.json). */
import type { CatalogueLanguage } from '../i18n.ts';
import type { Change, LimitTarget, LimitValue } from './admin.ts';
import { budgetText, formatChange, formatLimit, targetLabel } from './format.ts';
import type { TimeZoneChange } from './timeZone.ts';
import { PERIOD_DAYS } from './periods.ts';

/** /budget's refusals that need no values. */
export type BudgetRefusal = 'denied' | 'guildOnly' | 'everyoneLimit' | 'everyoneExempt' | 'needUser' | 'needRole';

export const budgetRefusal = (key: BudgetRefusal, language: CatalogueLanguage) => budgetText(key, language);

/** "Limit for @alice: $0.50 → $2.00 a day." — exactly what changed, or that nothing did. */
export function describeLimitChange(target: LimitTarget, change: Change<LimitValue>, language: CatalogueLanguage): string {
  const label = targetLabel(target, language);
  if (change.changed) return budgetText('change.done', language, { target: label, change: formatChange(change.old, change.new, language) });
  if (change.new) return budgetText('change.same', language, { target: label, limit: formatLimit(change.new, language) });
  return budgetText('change.unset', language, { target: label });
}

/**
 * Set above the operator's own limit, an admin's limit can't be reached: said so plainly, so nobody
 * believes a member or the server may spend more than the bot's operator allows.
 */
export function describeOperatorCeiling(target: LimitTarget, value: LimitValue, operator: { serverCeiling: LimitValue | null; member: LimitValue | null }, language: CatalogueLanguage): string {
  const tighter = target.scope === 'server' ? operator.serverCeiling : operator.member;
  if (!tighter || dailyRate(value) <= dailyRate(tighter)) return '';
  return `\n${budgetText(target.scope === 'server' ? 'ceilingNote.server' : 'ceilingNote.member', language, { limit: formatLimit(tighter, language) })}`;
}

const dailyRate = (value: LimitValue) => value.amountMicros / PERIOD_DAYS[value.period];

export function describeExemptChange(roleId: string, change: Change<boolean>, language: CatalogueLanguage): string {
  const key = change.changed ? (change.new ? 'exempt.on' : 'exempt.off') : change.new ? 'exempt.alreadyOn' : 'exempt.alreadyOff';
  return budgetText(key, language, { role: roleId });
}

export function describeTimeZoneChange(result: TimeZoneChange, language: CatalogueLanguage): string {
  if (!result.ok) return budgetText('timezone.unknown', language, { input: result.input.trim().slice(0, 60).replace(/`/g, 'ˋ') });
  if (!result.changed) return budgetText('timezone.same', language, { zone: result.new });
  return budgetText('timezone.changed', language, { old: result.old, new: result.new });
}
