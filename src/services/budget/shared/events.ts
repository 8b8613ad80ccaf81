import type { Ledger } from '../ledger.ts';
import type { ResyncState, SharedEvent } from './protocol.ts';

/** Where an event lands on one host: its history and its copy of the operator's settings. */
export interface EventTarget {
  /** Deletes a member's stored turns on this host. */
  forgetHere: (userId: string) => void;
  ledger: Pick<Ledger, 'setServerCeiling' | 'allowGuild'>;
}

/** What a resync also needs: the servers with a ceiling here, and deleting every turn stored before a time. */
export interface ResyncTarget extends EventTarget {
  ceilingGuilds: () => string[];
  forgetBefore: (at: number) => void;
}

/** Applies one event to this host's file; applying it twice changes nothing more. */
export function applyEvent(event: SharedEvent, target: EventTarget): void {
  if (event.event === 'forget') target.forgetHere(event.userId);
  else if (event.event === 'ceiling') target.ledger.setServerCeiling(event.guildId, event.value, event.actorId);
  else target.ledger.allowGuild(event.guildId, event.actorId);
}

/**
 * Makes this host's operator settings the coordinator's (the events that would have said so were trimmed): its
 * ceilings, the default for any other server, its allowed servers. A /forget-me it had not applied can no longer
 * name the member: every turn stored before it goes, whoever asked. `appliedThrough` is the last event this host
 * applied, read when the answer came (another process of the host may have applied more meanwhile); null on a new
 * host, whose history no earlier /forget-me covered.
 */
export function applyResync(state: ResyncState, target: ResyncTarget, appliedThrough: number | null): void {
  const listed = new Set(state.ceilings.map((c) => c.guildId));
  for (const guildId of target.ceilingGuilds()) if (!listed.has(guildId)) target.ledger.setServerCeiling(guildId, 'default', 'coordinator');
  for (const { guildId, actorId, amountMicros, period } of state.ceilings) target.ledger.setServerCeiling(guildId, { amountMicros, period }, actorId);
  for (const { guildId, actorId } of state.allowed) target.ledger.allowGuild(guildId, actorId);
  const { forgotten } = state;
  if (appliedThrough !== null && forgotten && appliedThrough < forgotten.seq) target.forgetBefore(forgotten.at);
}
