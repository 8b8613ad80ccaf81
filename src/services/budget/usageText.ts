/** What /usage shows a member (English and Traditional Chinese). */
import { formatUsd } from '../pricing/index.ts';
import type { Language } from '../failureMessages.ts';
import type { UsageView } from './admin.ts';
import { commandLabel, currentPeriod, formatLimit, pick } from './format.ts';
import type { LimitStatus } from './ledger.ts';
import type { AppliedLimit } from './limits.ts';
import { describeSource, relativeTime } from './messages.ts';

function sourceOf(limit: AppliedLimit, inDm: boolean, language: Language): string {
  switch (limit.source) {
    case 'user': return pick(language, 'your own limit', '你的個人額度');
    case 'role': return pick(language, `from the role <@&${limit.targetId}>`, `來自 <@&${limit.targetId}> 身分組`);
    case 'default': return pick(language, "the server's default", '伺服器的預設額度');
    case 'config': return inDm ? pick(language, "the bot's default for direct messages", '機器人在私訊中的預設額度') : pick(language, "the bot's default", '機器人的預設額度');
    case 'server': return pick(language, "the server's cap", '伺服器總額度');
    default: return describeSource(limit, language);
  }
}

const tighterLabel = (limit: AppliedLimit, language: Language) => (limit.source === 'server' ? pick(language, 'the server cap', '伺服器總額度') : describeSource(limit, language));

const left = (status: LimitStatus) => Math.max(0, status.limit.amountMicros - status.spentMicros);
const resets = (at: number, language: Language) => pick(language, `resets ${relativeTime(at)}`, `${relativeTime(at)}重設`);

function personalLines(view: UsageView, language: Language): string[] {
  const { personal, server } = view.report;
  if (!personal) {
    const month = formatUsd(view.report.spentMicros);
    if (view.exemptRoleId) return [pick(language, `You are exempt from personal limits (role <@&${view.exemptRoleId}>). Spent this month: **${month}**.`, `你不受個人額度限制（<@&${view.exemptRoleId}> 身分組豁免）。本月已用：**${month}**。`)];
    return [pick(language, `No personal limit applies to you. Spent this month: **${month}**.`, `你沒有個人額度限制。本月已用：**${month}**。`)];
  }
  const limit = formatLimit(personal.limit, language);
  const source = sourceOf(personal.limit, view.inDm, language);
  if (personal.limit.amountMicros === 0) {
    return [pick(language, `Your limit is **${limit}** (${source}): paid commands are blocked for you. Ask a server admin if this is a mistake.`, `你的額度是 **${limit}**（${source}）：你目前無法使用付費指令。如有疑問請洽伺服器管理員。`)];
  }
  const when = currentPeriod(personal.limit.period, language);
  const lines = [pick(language, `Spent ${when}: **${formatUsd(personal.spentMicros)}** of **${limit}** (${source}).`, `${when}已用：**${formatUsd(personal.spentMicros)}**，額度 **${limit}**（${source}）。`)];
  // The server cap or an operator limit can leave less than the member's own limit does: what is left is the smallest.
  const { serverCeiling, member, bot } = view.report.operator;
  const tighter = [server, serverCeiling, member, bot].reduce<LimitStatus>((a, b) => (b && left(b) < left(a) ? b : a), personal);
  const note = tighter === personal ? '' : pick(language, ` (${tighterLabel(tighter.limit, language)} is the tighter limit)`, `（${tighterLabel(tighter.limit, language)}較緊）`);
  lines.push(pick(language, `Left: **${formatUsd(left(tighter))}**${note} · ${resets(tighter.resetsAt, language)}`, `剩餘：**${formatUsd(left(tighter))}**${note} · ${resets(tighter.resetsAt, language)}`));
  return lines;
}

/** The operator's limits that apply to this member: the server's ceiling, their total everywhere, the bot's total. */
function operatorLines(view: UsageView, language: Language): string[] {
  const { serverCeiling, member, bot } = view.report.operator;
  const line = (status: LimitStatus, en: string, zh: string) => pick(language,
    `${en}: **${formatUsd(status.spentMicros)}** of **${formatLimit(status.limit, language)}** used, **${formatUsd(left(status))}** left · ${resets(status.resetsAt, language)}`,
    `${zh}：已用 **${formatUsd(status.spentMicros)}**，額度 **${formatLimit(status.limit, language)}**，剩餘 **${formatUsd(left(status))}** · ${resets(status.resetsAt, language)}`);
  const lines: string[] = [];
  if (serverCeiling) lines.push(line(serverCeiling, 'This server, all members together', '本伺服器全體成員合計'));
  if (member) lines.push(line(member, 'You, across all servers and DMs', '你在所有伺服器與私訊合計'));
  if (bot) lines.push(line(bot, 'The whole bot, everyone together', '整個機器人，所有人合計'));
  if (lines.length === 0) return [];
  return [pick(language, "**Limits set by whoever runs the bot** (UTC; server admins can't raise these):", '**架設機器人的人設定的上限**（UTC；伺服器管理員無法調高）：'), ...lines.map((l) => `- ${l}`)];
}

export function describeUsage(view: UsageView, language: Language): string {
  const { server, byCommand, timeZone, personal } = view.report;
  const title = view.inDm
    ? pick(language, '**Your spending in direct messages** (time zone: UTC)', '**你在私訊中的花費**（時區：UTC）')
    : pick(language, `**Your spending in this server** (time zone: ${timeZone})`, `**你在本伺服器的花費**（時區：${timeZone}）`);
  const lines = [title, ...personalLines(view, language)];
  if (server) {
    lines.push(pick(language,
      `Server cap: **${formatUsd(server.spentMicros)}** of **${formatLimit(server.limit, language)}** used by everyone · ${resets(server.resetsAt, language)}`,
      `伺服器總額度：全體已用 **${formatUsd(server.spentMicros)}**，額度 **${formatLimit(server.limit, language)}** · ${resets(server.resetsAt, language)}`));
  }
  lines.push(...operatorLines(view, language));
  const when = currentPeriod(personal?.limit.period ?? 'month', language);
  if (byCommand.length === 0) lines.push(pick(language, `No paid commands used ${when}.`, `${when}沒有使用付費指令。`));
  else {
    const calls = (n: number) => pick(language, n === 1 ? '1 call' : `${n} calls`, `${n} 次`);
    const parts = byCommand.map((c) => `\`${commandLabel(c.command)}\` ${formatUsd(c.micros)} (${calls(c.calls)})`);
    lines.push(`${pick(language, `By command ${when}`, `${when}各指令花費`)}: ${parts.join(' · ')}`);
  }
  return lines.join('\n');
}
