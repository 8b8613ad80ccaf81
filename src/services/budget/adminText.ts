/** Replies of /budget's changes and refusals (English and Traditional Chinese). */
import type { Language } from '../failureMessages.ts';
import type { Change, LimitTarget, LimitValue } from './admin.ts';
import { formatChange, formatLimit, pick, targetLabel } from './format.ts';
import type { TimeZoneChange } from './timeZone.ts';
import { PERIOD_DAYS } from './periods.ts';

export const BUDGET_TEXT = {
  denied: {
    en: 'You need the **Manage Server** permission to view or change spending limits.',
    'zh-TW': '你需要「管理伺服器」權限才能查看或變更花費額度。',
  },
  guildOnly: { en: '`/budget` works only inside a server.', 'zh-TW': '`/budget` 只能在伺服器中使用。' },
  everyoneLimit: {
    en: "@everyone can't have a role limit: use `/budget set-default` for a limit that applies to every member. Nothing was changed.",
    'zh-TW': '@everyone 不能設定身分組額度；要讓每位成員都適用，請用 `/budget set-default`。沒有做任何變更。',
  },
  everyoneExempt: {
    en: "@everyone can't be made exempt: exempt a specific role instead. Nothing was changed.",
    'zh-TW': '@everyone 不能設為豁免，請改為豁免特定身分組。沒有做任何變更。',
  },
  needUser: { en: 'Choose the member whose limit to clear (the `user` option). Nothing was changed.', 'zh-TW': '請在 `user` 選項選擇要清除額度的成員。沒有做任何變更。' },
  needRole: { en: 'Choose the role whose limit to clear (the `role` option). Nothing was changed.', 'zh-TW': '請在 `role` 選項選擇要清除額度的身分組。沒有做任何變更。' },
} as const;

/** "Limit for @alice: $0.50 → $2.00 a day." — exactly what changed, or that nothing did. */
export function describeLimitChange(target: LimitTarget, change: Change<LimitValue>, language: Language): string {
  const label = targetLabel(target, language);
  if (change.changed) return `${label}: ${formatChange(change.old, change.new, language)}.`;
  if (change.new) return pick(language, `${label} is already ${formatLimit(change.new, language)}; nothing changed.`, `${label}已經是 ${formatLimit(change.new, language)}，沒有變更。`);
  return pick(language, `${label}: none was set, so nothing changed.`, `${label}：原本就沒有設定，沒有變更。`);
}

/**
 * Set above the operator's own limit, an admin's limit can't be reached: said so plainly, so nobody
 * believes a member or the server may spend more than the bot's operator allows.
 */
export function describeOperatorCeiling(target: LimitTarget, value: LimitValue, operator: { serverCeiling: LimitValue | null; member: LimitValue | null }, language: Language): string {
  const tighter = target.scope === 'server' ? operator.serverCeiling : operator.member;
  if (!tighter || dailyRate(value) <= dailyRate(tighter)) return '';
  const limit = formatLimit(tighter, language);
  return target.scope === 'server'
    ? pick(language, `\nNote: whoever runs the bot lets this server spend at most ${limit}; spending stops there first.`, `\n注意：架設機器人的人讓本伺服器最多花費 ${limit}，會先在那裡停止。`)
    : pick(language, `\nNote: whoever runs the bot lets each person spend at most ${limit} across all servers and DMs; that stops them first.`, `\n注意：架設機器人的人讓每個人（跨所有伺服器與私訊）最多花費 ${limit}，會先在那裡停止。`);
}

const dailyRate = (value: LimitValue) => value.amountMicros / PERIOD_DAYS[value.period];

export function describeExemptChange(roleId: string, change: Change<boolean>, language: Language): string {
  const role = `<@&${roleId}>`;
  if (!change.changed) {
    return change.new
      ? pick(language, `Role ${role} was already exempt; nothing changed.`, `${role} 身分組原本就是豁免的，沒有變更。`)
      : pick(language, `Role ${role} was not exempt; nothing changed.`, `${role} 身分組原本就不是豁免的，沒有變更。`);
  }
  return change.new
    ? pick(language, `Role ${role} exempt: no → yes. Its members have no personal limit (the server cap still applies).`, `${role} 身分組豁免：否 → 是。成員不受個人額度限制（伺服器總額度仍然適用）。`)
    : pick(language, `Role ${role} exempt: yes → no. Its members' limits apply again.`, `${role} 身分組豁免：是 → 否。成員的額度再次適用。`);
}

export function describeTimeZoneChange(result: TimeZoneChange, language: Language): string {
  if (!result.ok) {
    const shown = result.input.trim().slice(0, 60).replace(/`/g, 'ˋ');
    return pick(
      language,
      `\`${shown}\` is not a time zone I know. Use a name such as \`Asia/Taipei\`, \`Europe/London\` or \`UTC\`. Nothing was changed.`,
      `\`${shown}\` 不是可辨識的時區。請使用像 \`Asia/Taipei\`、\`Europe/London\` 或 \`UTC\` 的名稱。沒有做任何變更。`,
    );
  }
  if (!result.changed) return pick(language, `The time zone is already ${result.new}; nothing changed.`, `時區已經是 ${result.new}，沒有變更。`);
  return pick(
    language,
    `Time zone of spending periods: ${result.old} → ${result.new}. Days, weeks (from Monday) and months now start at midnight there.`,
    `花費週期的時區：${result.old} → ${result.new}。每日、每週（自週一起）與每月的額度都從該時區的午夜開始計算。`,
  );
}
