/** Shared wording of limits and changes for /budget, /usage and /operator (texts in locales/<language>/budget.json). */
import { formatUsd } from '../pricing/index.ts';
import { splitMessage } from '../messageSplitter.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import type { LimitTarget, LimitValue } from './admin.ts';
import type { Period } from './periods.ts';

/** The budget catalogue, shared by the files that word spending. */
export const budgetText = catalogue('budget');

/** "today", "this week", "this month". */
export const currentPeriod = (period: Period, language: CatalogueLanguage) => budgetText(`when.${period}`, language);

/** "$2.00 a day" in English; a zero limit says it blocks. */
export function formatLimit(value: LimitValue, language: CatalogueLanguage): string {
  return budgetText(value.amountMicros === 0 ? 'limitBlocked' : 'limit', language, { amount: formatUsd(value.amountMicros), period: value.period });
}

/** "$0.50 → $2.00 a day", "$0.50 a day → $5.00 a week", "none → $2.00 a day", "$2.00 a day → none". */
export function formatChange(old: LimitValue | null, next: LimitValue | null, language: CatalogueLanguage): string {
  const none = budgetText('none', language);
  if (!old || !next) return `${old ? formatLimit(old, language) : none} → ${next ? formatLimit(next, language) : none}`;
  if (old.period !== next.period) return `${formatLimit(old, language)} → ${formatLimit(next, language)}`;
  const key = next.amountMicros === 0 ? 'changeSamePeriodBlocked' : 'changeSamePeriod';
  return budgetText(key, language, { from: formatUsd(old.amountMicros), to: formatUsd(next.amountMicros), period: next.period });
}

/** Who a limit applies to, as the start of a sentence ("Limit for @alice"). */
export function targetLabel(target: LimitTarget, language: CatalogueLanguage): string {
  return budgetText(`target.${target.scope}`, language, { user: target.targetId, role: target.targetId });
}

/** The ledger's command names (`ask`, `mention`, ...) as members know them. */
export const commandLabel = (command: string) => (command === 'mention' ? '@mention' : `/${command}`);

/** Lines joined, then cut into Discord-sized messages on line breaks. */
export const toMessages = (lines: readonly string[]): string[] => splitMessage(lines.join('\n'));
