import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How one piece of handled work ended: ok; refused (a spending limit said no); error (an unexpected
 * failure, or Discord refused the reply); shutting_down; unknown_command; ignored (the bot may not
 * speak in that channel). Friendly failure replies (OpenAI rate-limited, a too-long prompt) are ok here:
 * the OpenAI counters show those.
 */
export type Outcome = 'ok' | 'refused' | 'error' | 'shutting_down' | 'unknown_command' | 'ignored';

interface Cell {
  outcome: Outcome | undefined;
}

/** The work being handled (an interaction, a mention, a voice message), followed through its awaits. */
const current = new AsyncLocalStorage<Cell>();

/** Says how the work in progress ended; an error noted once stays an error. Outside any tracked work it does nothing. */
export function noteOutcome(outcome: Outcome): void {
  const cell = current.getStore();
  if (cell && cell.outcome !== 'error') cell.outcome = outcome;
}

/** Runs `work`, then tells `record` how it ended: what was noted inside, 'error' if it threw, else 'ok'. */
export async function trackOutcome(work: () => Promise<void>, record: (outcome: Outcome) => void): Promise<void> {
  const cell: Cell = { outcome: undefined };
  try {
    await current.run(cell, work);
  } catch (error) {
    cell.outcome = 'error';
    throw error;
  } finally {
    record(cell.outcome ?? 'ok');
  }
}
