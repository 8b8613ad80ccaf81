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

/**
 * The work in progress, keyed by the Discord object it handles (the interaction, the message), which every
 * step that notes an outcome has in hand. Explicit rather than an AsyncLocalStorage: that turns on promise
 * hooks for every await in the process, about 1 ms of CPU per answer.
 */
const inProgress = new WeakMap<object, Cell>();

/** Says how the work handling `subject` ended; an error noted once stays an error. Outside any tracked work it does nothing. */
export function noteOutcome(subject: object, outcome: Outcome): void {
  const cell = inProgress.get(subject);
  if (cell && cell.outcome !== 'error') cell.outcome = outcome;
}

/** Runs `work` on `subject`, then tells `record` how it ended: what was noted for it, 'error' if it threw, else 'ok'. */
export async function trackOutcome(subject: object, work: () => Promise<void>, record: (outcome: Outcome) => void): Promise<void> {
  const cell: Cell = { outcome: undefined };
  inProgress.set(subject, cell);
  try {
    await work();
  } catch (error) {
    cell.outcome = 'error';
    throw error;
  } finally {
    inProgress.delete(subject);
    record(cell.outcome ?? 'ok');
  }
}
