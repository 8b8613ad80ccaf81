/** What /operator status shows the operator (English and Traditional Chinese). */
import type { Language } from '../i18n.ts';
import type { OperatorOverview } from '../budget/ledger.ts';
import { currentPeriod, formatLimit, pick, toMessages } from '../budget/format.ts';
import { relativeTime } from '../budget/messages.ts';
import { DM_GUILD } from '../budget/ledger.ts';
import { formatUsd } from '../pricing/index.ts';

const limitOrNone = (limit: { amountMicros: number; period: 'day' | 'week' | 'month' } | null, language: Language) =>
  limit ? formatLimit(limit, language) : pick(language, 'unlimited', '無上限');

export function describeOperatorStatus(view: OperatorOverview, guildName: (id: string) => string | undefined, language: Language): string[] {
  const when = currentPeriod(view.period, language);
  const lines = [pick(language, `**Bot spending ${when}** (UTC) · resets ${relativeTime(view.resetsAt)}`, `**機器人${when}花費**（UTC）· ${relativeTime(view.resetsAt)}重設`)];
  const total = formatUsd(view.totalMicros);
  if (view.bot) {
    const left = formatUsd(Math.max(0, view.bot.amountMicros - view.totalMicros));
    lines.push(pick(language, `Total: **${total}** of **${formatLimit(view.bot, language)}** (BOT_LIMIT_USD) · **${left}** left`, `總計：**${total}**，總額度 **${formatLimit(view.bot, language)}**（BOT_LIMIT_USD）· 剩餘 **${left}**`));
  } else lines.push(pick(language, `Total: **${total}** (BOT_LIMIT_USD: unlimited)`, `總計：**${total}**（BOT_LIMIT_USD：無上限）`));
  lines.push(pick(language,
    `Each person across servers and DMs: ${limitOrNone(view.member, language)} (MEMBER_LIMIT_USD) · each server: ${limitOrNone(view.serverDefault, language)} unless set with \`/operator server-limit\` (SERVER_LIMIT_USD)`,
    `每人跨伺服器與私訊：${limitOrNone(view.member, language)}（MEMBER_LIMIT_USD）· 每個伺服器：${limitOrNone(view.serverDefault, language)}，可用 \`/operator server-limit\` 個別設定（SERVER_LIMIT_USD）`));
  const allow = view.allowList
    ? pick(language, `Allow-list: ${view.allowList.env.length} server(s) in ALLOWED_GUILD_IDS, ${view.allowList.added.length} added with \`/operator allow\``, `允許清單：ALLOWED_GUILD_IDS 中 ${view.allowList.env.length} 個伺服器，另以 \`/operator allow\` 加入 ${view.allowList.added.length} 個`)
    : pick(language, 'Allow-list: none (any server may invite the bot, each under its ceiling)', '允許清單：無（任何伺服器都能邀請機器人，各自受上限約束）');
  lines.push(`${allow} · ${pick(language, `DMs: ${view.dmAccess ? 'on' : 'off'}`, `私訊：${view.dmAccess ? '開啟' : '關閉'}`)}`);
  lines.push(pick(language, `Calls that cost more than reserved ${when}: **${view.overruns}**`, `${when}花費超過預留的呼叫：**${view.overruns}**`));

  lines.push('', pick(language, '**By server**', '**各伺服器**'));
  if (view.servers.length === 0) lines.push(pick(language, 'Nothing spent yet.', '尚無花費。'));
  for (const server of view.servers) {
    if (server.guildId === DM_GUILD) {
      lines.push(`- ${pick(language, 'Direct messages', '私訊')}: ${formatUsd(server.micros)}`);
      continue;
    }
    const name = guildName(server.guildId);
    const label = name ? `${name} (\`${server.guildId}\`)` : `\`${server.guildId}\``;
    lines.push(`- ${label}: ${formatUsd(server.micros)} · ${pick(language, 'ceiling', '上限')} ${limitOrNone(server.ceiling, language)}`);
  }
  lines.push('', pick(language, '**Top members (all servers and DMs)**', '**花費最多的成員（所有伺服器與私訊）**'));
  if (view.members.length === 0) lines.push(pick(language, 'Nothing spent yet.', '尚無花費。'));
  for (const member of view.members) lines.push(`- <@${member.userId}>: ${formatUsd(member.micros)}`);
  return toMessages(lines);
}
