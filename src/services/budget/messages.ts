import { formatUsd } from '../pricing/index.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { budgetText, formatLimit } from './format.ts';
import type { Refusal } from './ledger.ts';
import type { AppliedLimit, LimitSource } from './limits.ts';

/** Discord renders `<t:…:R>` as "in 3 hours" in each reader's own language and time zone. */
export const relativeTime = (ms: number) => `<t:${Math.floor(ms / 1000)}:R>`;
export const absoluteTime = (ms: number) => `<t:${Math.floor(ms / 1000)}:f>`;

export function describeSource(limit: AppliedLimit, language: CatalogueLanguage): string {
  return budgetText(`source.${limit.source}`, language, { role: limit.targetId });
}

/** Whose spending a refusal is about: the member's own, the server's, or everyone's (the operator's total). */
function whoseSpend(source: LimitSource): 'server' | 'bot' | 'you' {
  if (source === 'server' || source === 'server-ceiling') return 'server';
  return source === 'bot-total' ? 'bot' : 'you';
}

/** Limits only whoever runs the bot sets: a refusal by one says server admins can't raise it. */
const OPERATOR_SOURCES: ReadonlySet<LimitSource> = new Set(['bot-total', 'server-ceiling', 'member-total']);

/**
 * The same refusal where others read it (a reply to a @mention in a channel): a member's own spend and limit are
 * theirs, so it says only that they reached it and when it resets; `/usage` (ephemeral) has the figures.
 * Limits everyone shares (the server's, the bot's) and $0 limits read the same as in private.
 */
export function describeRefusalInPublic(refusal: Refusal, language: CatalogueLanguage): string {
  const personal = refusal.limit.amountMicros > 0 && !['not-allowed', 'dm-off', 'coordinator-down'].includes(refusal.limit.source) && whoseSpend(refusal.limit.source) === 'you';
  return personal ? budgetText('refusal.overInPublic', language, { resets: relativeTime(refusal.resetsAt) }) : describeRefusal(refusal, language);
}

/**
 * The polite "over a limit" reply: which limit, the spend against it and the reset time. It never calls the bot's total "yours".
 * `inDm`: a DM has no server admin, so its texts name only the bot's host (a $0 limit there is DEFAULT_BUDGET_USD).
 */
export function describeRefusal(refusal: Refusal, language: CatalogueLanguage, inDm = false): string {
  const { limit } = refusal;
  if (limit.source === 'not-allowed') return budgetText('refusal.notAllowed', language);
  if (limit.source === 'dm-off') return budgetText('refusal.dmOff', language);
  if (limit.source === 'coordinator-down') return budgetText('refusal.coordinatorDown', language);
  const source = describeSource(limit, language);
  const byOperator = OPERATOR_SOURCES.has(limit.source);
  const inPlace = (key: string) => (inDm ? `${key}Dm` : key);
  if (limit.amountMicros === 0) return budgetText(inPlace(byOperator ? 'refusal.zeroOperator' : 'refusal.zero'), language, { source });
  // `refusal.over` (a server's limit, the bot's default) names nobody: only an operator's limit says who set it.
  return budgetText(byOperator ? inPlace('refusal.overOperator') : 'refusal.over', language, {
    who: whoseSpend(limit.source), spent: formatUsd(refusal.spentMicros), source, limit: formatLimit(limit, language),
    request: formatUsd(refusal.requestMicros), resets: relativeTime(refusal.resetsAt),
  });
}
