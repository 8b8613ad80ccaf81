import type { Ledger } from '../ledger.ts';
import type { SharedEvent } from './protocol.ts';

/** Where an event lands on one host: its history and its copy of the operator's settings. */
export interface EventTarget {
  /** Deletes a member's stored turns on this host. */
  forgetHere: (userId: string) => void;
  ledger: Pick<Ledger, 'setServerCeiling' | 'allowGuild'>;
}

/** Applies one event to this host's file; applying it twice changes nothing more. */
export function applyEvent(event: SharedEvent, target: EventTarget): void {
  if (event.event === 'forget') target.forgetHere(event.userId);
  else if (event.event === 'ceiling') target.ledger.setServerCeiling(event.guildId, event.value, event.actorId);
  else target.ledger.allowGuild(event.guildId, event.actorId);
}
