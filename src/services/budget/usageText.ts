/** What /usage shows a member (texts in locales/<language>/usage.json). */
import { formatUsd } from '../pricing/index.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import type { UsageView } from './admin.ts';
import { commandLabel, currentPeriod, formatLimit } from './format.ts';
import type { LimitStatus } from './ledger.ts';
import type { AppliedLimit } from './limits.ts';
import { describeSource, relativeTime } from './messages.ts';

const text = catalogue('usage');

function sourceOf(limit: AppliedLimit, inDm: boolean, language: CatalogueLanguage): string {
  switch (limit.source) {
    case 'user':
    case 'default':
    case 'server':
      return text(`source.${limit.source}`, language);
    case 'role': return text('source.role', language, { role: limit.targetId });
    case 'config': return text(inDm ? 'source.configDm' : 'source.config', language);
    default: return describeSource(limit, language);
  }
}

const tighterLabel = (limit: AppliedLimit, language: CatalogueLanguage) => (limit.source === 'server' ? text('tighter.server', language) : describeSource(limit, language));

const left = (status: LimitStatus) => Math.max(0, status.limit.amountMicros - status.spentMicros);

/** Spent, limit, left and reset of one limit, as its line's values. */
const statusValues = (status: LimitStatus, language: CatalogueLanguage) => ({
  spent: formatUsd(status.spentMicros), limit: formatLimit(status.limit, language), left: formatUsd(left(status)), resets: relativeTime(status.resetsAt),
});

function personalLines(view: UsageView, language: CatalogueLanguage): string[] {
  const { personal, server } = view.report;
  if (!personal) {
    const spent = formatUsd(view.report.spentMicros);
    return [view.exemptRoleId ? text('exempt', language, { role: view.exemptRoleId, spent }) : text('noLimit', language, { spent })];
  }
  const limit = formatLimit(personal.limit, language);
  const source = sourceOf(personal.limit, view.inDm, language);
  // In a DM the limit is the host's DEFAULT_BUDGET_USD: no server admin can change it.
  if (personal.limit.amountMicros === 0) return [text(view.inDm ? 'blockedDm' : 'blocked', language, { limit, source })];
  const lines = [text('spent', language, { when: currentPeriod(personal.limit.period, language), spent: formatUsd(personal.spentMicros), limit, source })];
  // The server cap or an operator limit can leave less than the member's own limit does: what is left is the smallest.
  const { serverCeiling, member, bot } = view.report.operator;
  const tighter = [server, serverCeiling, member, bot].reduce<LimitStatus>((a, b) => (b && left(b) < left(a) ? b : a), personal);
  const values = { left: formatUsd(left(tighter)), resets: relativeTime(tighter.resetsAt) };
  lines.push(tighter === personal ? text('left', language, values) : text('leftTighter', language, { ...values, tighter: tighterLabel(tighter.limit, language) }));
  return lines;
}

/** The operator's limits that apply to this member: the server's ceiling, their total everywhere, the bot's total. */
function operatorLines(view: UsageView, language: CatalogueLanguage): string[] {
  const { serverCeiling, member, bot } = view.report.operator;
  const lines: string[] = [];
  if (serverCeiling) lines.push(text('operator.server', language, statusValues(serverCeiling, language)));
  if (member) lines.push(text('operator.member', language, statusValues(member, language)));
  if (bot) lines.push(text('operator.bot', language, statusValues(bot, language)));
  if (lines.length === 0) return [];
  return [text(view.inDm ? 'operator.titleDm' : 'operator.title', language), ...lines.map((l) => `- ${l}`)];
}

export function describeUsage(view: UsageView, language: CatalogueLanguage): string {
  const { server, byCommand, timeZone, personal } = view.report;
  const title = view.inDm ? text('title.dm', language) : text('title.server', language, { zone: timeZone });
  const lines = [title, ...personalLines(view, language)];
  if (server) lines.push(text('serverCap', language, statusValues(server, language)));
  lines.push(...operatorLines(view, language));
  const when = currentPeriod(personal?.limit.period ?? 'month', language);
  if (byCommand.length === 0) lines.push(text('noCalls', language, { when }));
  else {
    const commands = byCommand.map((c) => {
      const values = { command: commandLabel(c.command), cost: formatUsd(c.micros), calls: c.calls };
      return c.interrupted > 0 ? text('commandSpendInterrupted', language, { ...values, interrupted: c.interrupted }) : text('commandSpend', language, values);
    }).join(' · ');
    lines.push(text('byCommand', language, { when, commands }));
    // A call charged without a settlement of its own is said to be one, and why.
    if (byCommand.some((c) => c.interrupted > 0)) lines.push(text('interruptedNote', language));
  }
  return lines.join('\n');
}
