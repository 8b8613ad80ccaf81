/** Shared wording of limits and changes for /budget and /usage (English and Traditional Chinese). */
import { formatUsd } from '../pricing/index.ts';
import { splitMessage } from '../messageSplitter.ts';
import type { Language } from '../failureMessages.ts';
import type { LimitTarget, LimitValue } from './admin.ts';
import type { Period } from './periods.ts';

export const pick = (language: Language, en: string, zh: string) => (language === 'zh-TW' ? zh : en);

const PER: Record<Language, Record<Period, string>> = {
  en: { day: 'a day', week: 'a week', month: 'a month' },
  'zh-TW': { day: '每日', week: '每週', month: '每月' },
};
const CURRENT: Record<Language, Record<Period, string>> = {
  en: { day: 'today', week: 'this week', month: 'this month' },
  'zh-TW': { day: '今天', week: '本週', month: '本月' },
};

/** "today", "this week", "this month". */
export const currentPeriod = (period: Period, language: Language) => CURRENT[language][period];

const blocked = (value: LimitValue, language: Language) => (value.amountMicros === 0 ? pick(language, ' (blocked)', '（禁止使用）') : '');

/** "$2.00 a day" / "每日 $2.00"; a zero limit says it blocks. */
export function formatLimit(value: LimitValue, language: Language): string {
  const text = language === 'zh-TW' ? `${PER[language][value.period]} ${formatUsd(value.amountMicros)}` : `${formatUsd(value.amountMicros)} ${PER[language][value.period]}`;
  return text + blocked(value, language);
}

/** "$0.50 → $2.00 a day", "$0.50 a day → $5.00 a week", "none → $2.00 a day", "$2.00 a day → none". */
export function formatChange(old: LimitValue | null, next: LimitValue | null, language: Language): string {
  const none = pick(language, 'none', '無');
  if (!old || !next) return `${old ? formatLimit(old, language) : none} → ${next ? formatLimit(next, language) : none}`;
  if (old.period !== next.period) return `${formatLimit(old, language)} → ${formatLimit(next, language)}`;
  const [from, to] = [formatUsd(old.amountMicros), formatUsd(next.amountMicros)];
  const amounts = language === 'zh-TW' ? `${PER[language][next.period]} ${from} → ${to}` : `${from} → ${to} ${PER[language][next.period]}`;
  return amounts + blocked(next, language);
}

/** Who a limit applies to, as the start of a sentence ("Limit for @alice"). */
export function targetLabel(target: LimitTarget, language: Language): string {
  switch (target.scope) {
    case 'user': return pick(language, `Limit for <@${target.targetId}>`, `<@${target.targetId}> 的額度`);
    case 'role': return pick(language, `Limit for each member with <@&${target.targetId}>`, `<@&${target.targetId}> 身分組（每位成員各自）的額度`);
    case 'default': return pick(language, 'Server default (each member)', '伺服器預設額度（每位成員各自）');
    case 'server': return pick(language, 'Server cap (all members together)', '伺服器總額度（全體成員合計）');
  }
}

/** The ledger's command names (`ask`, `mention`, ...) as members know them. */
export const commandLabel = (command: string) => (command === 'mention' ? '@mention' : `/${command}`);

/** Lines joined, then cut into Discord-sized messages on line breaks. */
export const toMessages = (lines: readonly string[]): string[] => splitMessage(lines.join('\n'));
