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
    'server-ceiling': 'the most the bot\'s operator lets this server spend', 'member-total': "the bot's limit for each person across all servers and DMs",
    'bot-total': "the bot's total limit for everyone", 'not-allowed': 'the list of servers the bot may work in', 'dm-off': 'the bot\'s direct-message setting',
    'coordinator-down': 'the spending record the bot shares between its computers',
  };
  const zh: Record<LimitSource, string> = {
    user: '你的個人額度', role: `<@&${limit.targetId}> 身分組的額度`, default: '伺服器的預設額度', config: '機器人的預設額度', server: '伺服器的總額度',
    'server-ceiling': '機器人營運者給本伺服器的上限', 'member-total': '機器人給每個人（跨所有伺服器與私訊）的額度',
    'bot-total': '機器人全體共用的總額度', 'not-allowed': '機器人允許使用的伺服器清單', 'dm-off': '機器人的私訊設定',
    'coordinator-down': '機器人在多台主機間共用的花費紀錄',
  };
  return (language === 'zh-TW' ? zh : en)[limit.source];
}

/** Whose spending a refusal is about: the member's own, the server's, or everyone's (the operator's total). */
function whoseSpend(source: LimitSource, language: Language): string {
  if (source === 'server' || source === 'server-ceiling') return language === 'zh-TW' ? '本伺服器' : 'This server has';
  if (source === 'bot-total') return language === 'zh-TW' ? '機器人（所有人合計）' : 'The bot has (everyone together)';
  return language === 'zh-TW' ? '你' : 'You have';
}

/** The polite "over a limit" reply: which limit, the spend against it and the reset time. It never calls the bot's total "yours". */
export function describeRefusal(refusal: Refusal, language: Language): string {
  const { limit } = refusal;
  const zh = language === 'zh-TW';
  if (limit.source === 'not-allowed') {
    return zh ? '這個伺服器尚未獲准使用機器人的付費功能。由架設機器人的人決定哪些伺服器可以使用。'
      : "This server isn't approved to use the bot's paid commands. The person who runs the bot decides which servers may use it.";
  }
  if (limit.source === 'coordinator-down') {
    return zh ? '機器人暫時無法確認花費額度，所以這次沒有送出請求，也沒有任何花費。請稍後再試。'
      : "The bot can't check its spending limits right now, so this request wasn't sent and nothing was spent. Please try again in a few minutes.";
  }
  if (limit.source === 'dm-off') {
    return zh ? '機器人不在私訊中回答。請在伺服器中使用。' : "The bot doesn't answer paid requests in direct messages. Please use it in a server.";
  }
  const source = describeSource(limit, language);
  const operatorNote = limit.source === 'bot-total' || limit.source === 'server-ceiling' || limit.source === 'member-total'
    ? (zh ? '這是架設機器人的人設定的上限，伺服器管理員無法調高。' : 'This limit is set by whoever runs the bot; server admins cannot raise it.')
    : '';
  if (zh) {
    if (limit.amountMicros === 0) return `目前無法使用這個功能：${source}設為 $0。${operatorNote || '請洽伺服器管理員。'}`;
    return `已達使用上限：${whoseSpend(limit.source, language)}本期已用 ${formatUsd(refusal.spentMicros)}，${source}為${formatLimit(limit, language)}，這次請求最多可能花費 ${formatUsd(refusal.requestMicros)}。額度將於 ${relativeTime(refusal.resetsAt)} 重設。${operatorNote}`;
  }
  if (limit.amountMicros === 0) return `You can't use paid commands right now: ${source} is set to $0. ${operatorNote || 'Ask a server admin if this is a mistake.'}`;
  const text = `${whoseSpend(limit.source, language)} used ${formatUsd(refusal.spentMicros)} of ${source} (${formatLimit(limit, language)}), and this request could cost up to ${formatUsd(refusal.requestMicros)}. It resets ${relativeTime(refusal.resetsAt)}.`;
  return operatorNote ? `${text} ${operatorNote}` : text;
}
