/** Discord renders edits smoothly at about one a second; faster edits only burn rate limit. */
export const MIN_EDIT_INTERVAL_MS = 1000;
/**
 * Progress edits made with the bot token may use at most this many requests a second in total,
 * leaving the rest of Discord's global 50/s cap for first replies and final edits.
 */
export const BOT_TOKEN_EDIT_BUDGET_PER_SECOND = 20;
/** Interaction-webhook edits don't count toward the global cap, but we still stay polite. */
export const WEBHOOK_EDIT_BUDGET_PER_SECOND = 100;

/**
 * Shares an edit budget between the answers streaming at once: each stream's interval
 * stretches as more streams join, so the sum of progress edits stays within the budget.
 */
export class EditPacer {
  private active = 0;

  constructor(private readonly budgetPerSecond: number, private readonly minIntervalMs = MIN_EDIT_INTERVAL_MS) {}

  join(): () => void {
    this.active += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active -= 1;
    };
  }

  get activeStreams(): number {
    return this.active;
  }

  intervalMs(): number {
    return Math.max(this.minIntervalMs, Math.ceil((this.active * 1000) / this.budgetPerSecond));
  }
}
