import { formatUsd } from '../pricing/index.ts';
import type { Language } from '../failureMessages.ts';
import { formatLimit } from './format.ts';
import type { Refusal } from './ledger.ts';
import type { AppliedLimit, LimitSource } from './limits.ts';

/** Discord renders `<t:…:R>` as "in 3 hours" in each reader's own language and time zone. */
export const relativeTime = (ms: number) => `<t:${Math.floor(ms / 1000)}:R>`;
export const absoluteTime = (ms: number) => `<t:${Math.floor(ms / 1000)}:f>`;

export function describeSource(limit: AppliedLimit, language: Language): string {
  const en: Record<LimitSource, string> = {
    user: 'your own limit', role: `the limit of the <@&${limit.targetId}> role`, default: "the server's default limit",
    config: "the bot's default limit", server: "the server's total cap",
  };
  const zh: Record<LimitSource, string> = {
    user: '你的個人額度', role: `<@&${limit.targetId}> 身分組的額度`, default: '伺服器的預設額度', config: '機器人的預設額度', server: '伺服器的總額度',
  };
  return (language === 'zh-TW' ? zh : en)[limit.source];
}

/** The polite "over your limit" reply: spend, limit and where it comes from, the reset time. */
export function describeRefusal(refusal: Refusal, language: Language): string {
  const { limit } = refusal;
  const source = describeSource(limit, language);
  if (language === 'zh-TW') {
    if (limit.amountMicros === 0) return `你目前無法使用這個功能：${source}設為 $0。請洽伺服器管理員。`;
    return `已達使用上限：本期已用 ${formatUsd(refusal.spentMicros)}，${source}為${formatLimit(limit, language)}，這次請求最多可能花費 ${formatUsd(refusal.requestMicros)}。額度將於 ${relativeTime(refusal.resetsAt)} 重設。`;
  }
  if (limit.amountMicros === 0) return `You can't use paid commands right now: ${source} is set to $0. Ask a server admin if this is a mistake.`;
  const whose = limit.source === 'server' ? 'This server has' : 'You have';
  return `${whose} used ${formatUsd(refusal.spentMicros)} of ${source} (${formatLimit(limit, language)}), and this request could cost up to ${formatUsd(refusal.requestMicros)}. It resets ${relativeTime(refusal.resetsAt)}.`;
}
