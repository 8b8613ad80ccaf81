import type { BudgetStore } from '../../db/budgetLimits.ts';
import { isValidTimeZone } from './periods.ts';

/** Discord shows at most 25 autocomplete choices. */
const MAX_SUGGESTIONS = 25;
const DEFAULT_ZONE = 'UTC';

export type TimeZoneChange =
  | { ok: true; changed: boolean; old: string; new: string }
  | { ok: false; input: string };

/** `asia/taipei` → `Asia/Taipei`: the name as the time zone database spells it, or undefined if unknown. */
export function canonicalTimeZone(input: string): string | undefined {
  const text = input.trim();
  if (text === '' || !isValidTimeZone(text)) return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
}

/**
 * Sets the time zone a server's budget periods follow (days, weeks, months start at its midnight),
 * with an audit row in the same transaction. Shared by `/budget timezone` and any settings command.
 */
export function setGuildTimeZone(store: BudgetStore, change: { guildId: string; actorId: string; zone: string; at: number }): TimeZoneChange {
  const zone = canonicalTimeZone(change.zone);
  if (!zone) return { ok: false, input: change.zone };
  return store.db.transaction((): TimeZoneChange => {
    const old = store.timeZone(change.guildId) ?? DEFAULT_ZONE;
    if (old === zone) return { ok: true, changed: false, old, new: zone };
    store.setTimeZone(change.guildId, zone);
    store.audit(change.guildId, { actorId: change.actorId, action: 'timezone', scope: 'guild', targetId: '', oldValue: old, newValue: zone, createdAt: change.at });
    return { ok: true, changed: true, old, new: zone };
  }).immediate();
}

/** Time zone names containing what the admin typed so far, for autocomplete. */
export function suggestTimeZones(typed: string): string[] {
  const query = typed.trim().toLowerCase().replace(/\s+/g, '_');
  const all = [DEFAULT_ZONE, ...Intl.supportedValuesOf('timeZone').filter((z) => z !== DEFAULT_ZONE)];
  const starts = all.filter((z) => z.toLowerCase().startsWith(query) || z.toLowerCase().split('/').some((part) => part.startsWith(query)));
  const contains = all.filter((z) => z.toLowerCase().includes(query) && !starts.includes(z));
  return [...starts, ...contains].slice(0, MAX_SUGGESTIONS);
}
