/** What /operator status shows the operator (texts in locales/<language>/operator.json). */
import type { CatalogueLanguage } from '../i18n.ts';
import type { OperatorOverview } from '../budget/ledger.ts';
import { currentPeriod, formatLimit, toMessages } from '../budget/format.ts';
import { relativeTime } from '../budget/messages.ts';
import { DM_GUILD } from '../budget/ledger.ts';
import { formatUsd } from '../pricing/index.ts';
import { operatorText } from './text.ts';

const limitOrNone = (limit: { amountMicros: number; period: 'day' | 'week' | 'month' } | null, language: CatalogueLanguage) =>
  limit ? formatLimit(limit, language) : operatorText('unlimited', language);

export function describeOperatorStatus(view: OperatorOverview, guildName: (id: string) => string | undefined, language: CatalogueLanguage): string[] {
  const text = (key: string, values?: Record<string, string | number>) => operatorText(key, language, values);
  const when = currentPeriod(view.period, language);
  const lines = [text('status.title', { when, resets: relativeTime(view.resetsAt) })];
  const total = formatUsd(view.totalMicros);
  if (view.bot) {
    const left = formatUsd(Math.max(0, view.bot.amountMicros - view.totalMicros));
    lines.push(text('status.total', { total, limit: formatLimit(view.bot, language), left }));
  } else lines.push(text('status.totalUnlimited', { total }));
  lines.push(text('status.limits', { member: limitOrNone(view.member, language), server: limitOrNone(view.serverDefault, language) }));
  const allow = view.allowList
    ? text('status.allowList', { env: view.allowList.env.length, added: view.allowList.added.length })
    : text('status.allowListNone');
  lines.push(`${allow} · ${text(view.dmAccess ? 'status.dmsOn' : 'status.dmsOff')}`);
  lines.push(text('status.overruns', { when, count: view.overruns }));
  if (view.interrupted.calls > 0) lines.push(text('status.interrupted', { when, count: view.interrupted.calls, cost: formatUsd(view.interrupted.micros) }));

  lines.push('', text('status.byServer'));
  if (view.servers.length === 0) lines.push(text('status.nothing'));
  for (const server of view.servers) {
    if (server.guildId === DM_GUILD) {
      lines.push(`- ${text('status.dmLine', { spent: formatUsd(server.micros) })}`);
      continue;
    }
    const name = guildName(server.guildId);
    const label = name ? `${name} (\`${server.guildId}\`)` : `\`${server.guildId}\``;
    lines.push(`- ${text('status.serverLine', { server: label, spent: formatUsd(server.micros), ceiling: limitOrNone(server.ceiling, language) })}`);
  }
  lines.push('', text('status.topMembers'));
  if (view.members.length === 0) lines.push(text('status.nothing'));
  for (const member of view.members) lines.push(`- <@${member.userId}>: ${formatUsd(member.micros)}`);
  return toMessages(lines);
}
