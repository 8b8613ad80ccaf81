import type { Ledger } from '../ledger.ts';
import type { ResyncState, SharedEvent, Tombstone } from './protocol.ts';

/** Where an event lands on one host: its history and its copy of the operator's settings. */
export interface EventTarget {
  /**
   * Deletes a member's stored turns on this host: those stored at or before `through`, when they asked (the ones
   * they wrote since stay); undefined (an event from a coordinator of an older release): all of them.
   */
  forgetHere: (userId: string, through: number | undefined) => void;
  ledger: Pick<Ledger, 'setServerCeiling' | 'allowGuild'>;
}

/** Where a resync lands: the operator's settings (as an event's), the servers with a ceiling here, and applying /forget-me tombstones. */
export interface ResyncTarget extends Pick<EventTarget, 'ledger'> {
  ceilingGuilds: () => string[];
  /** Deletes, for each tombstone whose keyed hash matches a member with turns here, that member's turns stored at or before its time. */
  forgetTombstones: (tombstones: readonly Tombstone[]) => void;
}

/** Applies one event to this host's file; applying it twice changes nothing more. */
export function applyEvent(event: SharedEvent, target: EventTarget): void {
  if (event.event === 'forget') target.forgetHere(event.userId, event.at);
  else if (event.event === 'ceiling') target.ledger.setServerCeiling(event.guildId, event.value, event.actorId);
  else target.ledger.allowGuild(event.guildId, event.actorId);
}

/**
 * Makes this host's operator settings the coordinator's (the events that would have said so were trimmed): its
 * ceilings, the default for any other server, its allowed servers. Each /forget-me it had not applied is now a
 * tombstone (the member's ID as a keyed hash, and the request's time): it deletes that member's turns stored at or
 * before the request, nobody else's. `appliedThrough` is the last event this host applied, read when the answer
 * came (another process of the host may have applied more meanwhile); null on a new host, which applies them all
 * (its file may hold turns from before it joined).
 */
export function applyResync(state: ResyncState, target: ResyncTarget, appliedThrough: number | null): void {
  const listed = new Set(state.ceilings.map((c) => c.guildId));
  for (const guildId of target.ceilingGuilds()) if (!listed.has(guildId)) target.ledger.setServerCeiling(guildId, 'default', 'coordinator');
  for (const { guildId, actorId, amountMicros, period } of state.ceilings) target.ledger.setServerCeiling(guildId, { amountMicros, period }, actorId);
  for (const { guildId, actorId } of state.allowed) target.ledger.allowGuild(guildId, actorId);
  const missed = state.tombstones.filter((tombstone) => appliedThrough === null || tombstone.seq > appliedThrough);
  if (missed.length > 0) target.forgetTombstones(missed);
}
