/** Jobs OpenAI answers 404 for: logged once, asked hourly, settled as lost after a week of nothing but 404s. */
import type { FineTuneJobRow, FineTuneStore } from '../../db/fineTunes.ts';
import type { Logger } from '../../logger.ts';
import type { Ledger } from '../budget/ledger.ts';
import type { ModelFailure } from '../openai/failures.ts';
import { LOST_STATUS, MISSING_JOB_LOST_AFTER_MS, MISSING_JOB_RECHECK_MS } from './limits.ts';
import type { RefusalDetail } from './refusals.ts';

export interface MissingJobsDependencies {
  store: FineTuneStore;
  ledger: Ledger;
  logger: Logger;
  now: () => number;
}

/** Whether the poll asks OpenAI about the job now: one it answers 404 for, only hourly. */
export const pollDue = (job: FineTuneJobRow, now: number): boolean => job.missingCheckedAt === null || now - job.missingCheckedAt >= MISSING_JOB_RECHECK_MS;

/** When a job OpenAI stopped knowing at `since` is settled as lost, if it still doesn't know it then. */
export const lostAt = (since: number): number => since + MISSING_JOB_LOST_AFTER_MS;

export class MissingJobs {
  constructor(private readonly deps: MissingJobsDependencies) {}

  /**
   * A 404 for an open job: begins or continues its run of 404s (the first is logged, the rest only at debug). Past
   * MISSING_JOB_LOST_AFTER_MS the job is settled as lost; `lost` says this call closed it (its notice is to be posted).
   */
  seen(job: FineTuneJobRow, failure: ModelFailure, refusal: RefusalDetail | undefined): { job: FineTuneJobRow; lost: boolean } {
    const { store, logger, now } = this.deps;
    const at = now();
    const run = store.noteMissing(job.jobId, at);
    // Closed meanwhile (another check settled it): nothing more to follow.
    if (!run) return { job: store.job(job.guildId, job.jobId) ?? job, lost: false };
    const missing = { ...job, missingSince: run.since, missingCheckedAt: at };
    if (run.first) {
      logger.warn(
        { jobId: job.jobId, failure, ...(refusal ? { refusal } : {}), recheckMinutes: MISSING_JOB_RECHECK_MS / 60_000, lostAt: new Date(lostAt(run.since)).toISOString() },
        'OpenAI answers 404 for a fine-tuning job (the API key, organisation or base URL changed since it started?): asked hourly from now on, and settled as lost, charged its reservation, if it is still unknown at lostAt',
      );
    } else {
      logger.debug({ jobId: job.jobId, missingSince: run.since }, 'fine-tuning job still unknown to OpenAI');
    }
    if (at < lostAt(run.since)) return { job: missing, lost: false };
    return this.settleLost(missing, at);
  }

  /**
   * A check of a job in a run of 404s that got no answer from OpenAI (a 5xx, a dropped connection, any failure but a
   * 404): neither a 404 nor a sign the job is back, so the run goes on from when it began and the job keeps the hourly
   * pace (without this its next check came a minute later, and every minute while the failures lasted).
   */
  unanswered(job: FineTuneJobRow): FineTuneJobRow {
    if (job.missingSince === null) return job;
    const at = this.deps.now();
    return this.deps.store.noteMissingAsked(job.jobId, at) ? { ...job, missingCheckedAt: at } : job;
  }

  /** OpenAI answered for the job: a run of 404s ends (logged), and it is polled every minute again. */
  found(job: FineTuneJobRow): FineTuneJobRow {
    if (job.missingSince === null) return job;
    if (this.deps.store.noteFound(job.jobId)) {
      this.deps.logger.info({ jobId: job.jobId, missingSince: new Date(job.missingSince).toISOString() }, 'OpenAI knows the fine-tuning job again; it is followed every minute again');
    }
    return { ...job, missingSince: null, missingCheckedAt: null };
  }

  /**
   * Charged its reservation, never released: the job may still train, and bill, under the key that started it. Settled
   * before the row is closed, so a stop between the two leaves it to the next check (the ledger ignores a second
   * settlement), never to the release of stray reservations.
   */
  private settleLost(job: FineTuneJobRow, at: number): { job: FineTuneJobRow; lost: boolean } {
    const { store, ledger, logger } = this.deps;
    ledger.settle({ id: job.reservationId, reservedMicros: job.reservedMicros }, { chargedMicros: job.reservedMicros });
    if (!store.closeLost(job.jobId, LOST_STATUS, job.reservedMicros, at)) return { job: store.job(job.guildId, job.jobId) ?? job, lost: false };
    logger.warn(
      { jobId: job.jobId, missingSince: new Date(job.missingSince ?? at).toISOString(), chargedMicros: job.reservedMicros },
      'fine-tuning job unknown to OpenAI for a week: settled as lost, charged its reservation, never checked again',
    );
    return { job: { ...job, status: LOST_STATUS, chargedMicros: job.reservedMicros, closedAt: at }, lost: true };
  }
}
