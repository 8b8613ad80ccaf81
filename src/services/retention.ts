import type { HistoryStore } from '../db/history.ts';
import type { Logger } from '../logger.ts';

/**
 * Turns deleted per transaction: measured ~7 ms a batch (5,000 took ~50 ms) on 400-byte turns with their
 * three indexes, so an interaction waiting behind a batch is barely delayed, however large the backlog.
 */
export const RETENTION_BATCH_ROWS = 1_000;
/** How often old turns are deleted: hourly keeps each run to about an hour's worth of turns. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
/** The first run waits until start-up (login, command registration) is over. */
export const RETENTION_FIRST_RUN_MS = 30_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionRun {
  deleted: number;
  batches: number;
}

/** HISTORY_RETENTION_DAYS: deletes conversation turns older than that, in small batches, on a timer. */
export class HistoryRetention {
  private stopped = false;
  private running: Promise<RetentionRun> | undefined;

  constructor(
    private readonly store: HistoryStore,
    readonly days: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly batchRows = RETENTION_BATCH_ROWS,
  ) {}

  /** One pass: deletes every turn older than the cutoff, a batch per transaction, yielding between batches. */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.deleteOld().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Starts the timer (first run shortly after start-up); the returned function stops it and waits for a run in progress. */
  start(firstRunMs = RETENTION_FIRST_RUN_MS, intervalMs = RETENTION_INTERVAL_MS): () => Promise<void> {
    const run = () => void this.runOnce().catch((error: unknown) => this.log.warn({ err: error }, 'history retention run failed; trying again at the next run'));
    const first = setTimeout(run, firstRunMs);
    const every = setInterval(run, intervalMs);
    first.unref();
    every.unref();
    return async () => {
      this.stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await this.running?.catch(() => undefined);
    };
  }

  private async deleteOld(): Promise<RetentionRun> {
    const cutoff = this.now() - this.days * DAY_MS;
    const started = performance.now();
    let deleted = 0;
    let batches = 0;
    while (!this.stopped) {
      const removed = this.store.deleteOlderThan(cutoff, this.batchRows);
      deleted += removed;
      if (removed > 0) batches += 1;
      if (removed < this.batchRows) break;
      // Let interactions and answers waiting on the event loop run between two batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ms = Math.round(performance.now() - started);
    if (deleted > 0) this.log.info({ deleted, batches, days: this.days, ms }, 'history retention: deleted conversation turns older than HISTORY_RETENTION_DAYS');
    else this.log.debug({ days: this.days, ms }, 'history retention: nothing old enough to delete');
    return { deleted, batches };
  }
}
