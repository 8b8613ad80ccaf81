import type { OpenAI } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import type { FineTuneJobRow, FineTuneStore } from '../../db/fineTunes.ts';
import type { Logger } from '../../logger.ts';
import type { Ledger } from '../budget/ledger.ts';
import type { Pricing } from '../pricing/index.ts';
import type { TokenCounter } from '../tokens.ts';
import { findCreatedJob, tagOfUnconfirmed } from './create.ts';
import {
  FINISHED_STATUSES, LOST_STATUS, NOT_CREATED_STATUS, POLL_INTERVAL_MS, PROGRESS_EVENTS_READ, UNCONFIRMED_RELEASE_AFTER_MS, UNCONFIRMED_STATUS,
} from './limits.ts';
import { MissingJobs, pollDue } from './missing.ts';
import { reportedTrained, trainedBeforeStop } from './progress.ts';
import { failedCall, unknownJob } from './refusals.ts';
import type { CheckResult, Notify } from './types.ts';

export interface TrackerDependencies {
  openai: OpenAI;
  store: FineTuneStore;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  logger: Logger;
  now: () => number;
}

/**
 * Follows running jobs at OpenAI: records their progress and, once one finishes, settles its reservation
 * at the tokens it trained and tells the channel it came from. OpenAI bills training done, so a cancelled
 * or failed job is charged for what it trained before it stopped; one that stopped before training is free.
 */
export class JobTracker {
  private notify: Notify | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly missing: MissingJobs;

  constructor(private readonly deps: TrackerDependencies) {
    this.missing = new MissingJobs(deps);
  }

  /**
   * Where finish notices go. Every process sets it, not only the one that polls: a `/finetune status` or `cancel`
   * handled in another may be what finds a job finished, and the poll then finds it closed and says nothing.
   */
  notifyWith(notify: Notify): void {
    this.notify = notify;
  }

  /** Checks now (a restart may have missed a finish), then every `intervalMs`; returns how to stop. */
  startPolling(notify: Notify, intervalMs = POLL_INTERVAL_MS): () => Promise<void> {
    this.notifyWith(notify);
    const tick = () => {
      this.running ??= this.checkAll().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'fine-tune poll failed'))
        .finally(() => { this.running = undefined; });
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref(); // never keeps the process alive on its own
    // Stopping ends the checks; the notifier stays, for a /finetune status still finishing a job.
    return async () => {
      clearInterval(this.timer);
      await this.running;
    };
  }

  /**
   * Checks every job still followed, in every server, one after another (one OpenAI answers 404 for, hourly); first
   * releases strays whose holder died since.
   */
  async checkAll(): Promise<void> {
    const strays = this.releaseStrays();
    if (strays > 0) this.deps.logger.warn({ released: strays }, 'released fine-tuning reservations whose job was never recorded (the process starting it stopped)');
    // A check that fails logs why itself (a status or cancel reads the same line).
    for (const job of this.deps.store.openJobs()) if (pollDue(job, this.deps.now())) await this.check(job);
  }

  /** Fetches the job from OpenAI, records its progress and closes it if it finished; a lost one is never asked again. */
  async check(job: FineTuneJobRow): Promise<CheckResult> {
    if (job.status === LOST_STATUS) return { ok: true, job, remote: null };
    if (job.status === UNCONFIRMED_STATUS && job.closedAt === null) return this.confirm(job);
    let remote: FineTuningJob;
    try {
      remote = await this.deps.openai.fineTuning.jobs.retrieve(job.jobId);
    } catch (error) {
      // The admin reads a refusal only by kind, which points to the log: OpenAI's words (secrets blanked) go there.
      const { failure, refusal } = failedCall(error, 'job', this.deps.openai);
      if (unknownJob(error) && job.closedAt === null) {
        const seen = this.missing.seen(job, failure, refusal);
        if (seen.lost) await this.tell(seen.job);
        return { ok: false, job: seen.job, failure, gone: true };
      }
      this.deps.logger.warn({ jobId: job.jobId, failure, ...(refusal ? { refusal } : {}) }, 'could not check a fine-tuning job');
      const checked = job.closedAt === null ? this.missing.unanswered(job) : job;
      return { ok: false, job: checked, failure, ...(unknownJob(error) ? { gone: true } : {}) };
    }
    return { ok: true, job: await this.record(this.missing.found(job), remote), remote };
  }

  /**
   * A job whose create answer was lost: found in OpenAI's list, it takes its real id and is followed like any other;
   * still missing once a request still being worked on would have finished, nothing was created and it is released.
   */
  private async confirm(job: FineTuneJobRow): Promise<CheckResult> {
    const { openai, store, ledger, logger, now } = this.deps;
    const request = { trainingFile: job.fileId, model: job.baseModel, suffix: job.suffix, tag: tagOfUnconfirmed(job.jobId), sentAt: job.createdAt };
    const found = await findCreatedJob(openai, request, (jobId) => (store.reservationOf(jobId) ?? job.reservationId) !== job.reservationId);
    if (!found.ok) {
      logger.warn({ jobId: job.jobId, failure: found.failure }, 'could not check a fine-tuning job');
      return { ok: false, job, failure: found.failure };
    }
    if (found.job) {
      // Another check (another process on this database) may have confirmed it first: that one follows it.
      if (!store.confirmJob(job.jobId, found.job.id, found.job.status)) return { ok: true, job: store.job(job.guildId, found.job.id) ?? job, remote: found.job };
      logger.warn({ jobId: found.job.id, was: job.jobId }, 'unconfirmed fine-tuning job found at OpenAI; now followed');
      return { ok: true, job: await this.record({ ...job, jobId: found.job.id, status: found.job.status }, found.job), remote: found.job };
    }
    if (now() - job.createdAt < UNCONFIRMED_RELEASE_AFTER_MS) return { ok: true, job, remote: null };
    store.updateProgress(job.jobId, { status: NOT_CREATED_STATUS, fineTunedModel: null, trainedTokens: null, error: null });
    if (!store.close(job.jobId, 0, now())) return { ok: true, job: store.job(job.guildId, job.jobId) ?? job, remote: null };
    ledger.release({ id: job.reservationId, reservedMicros: job.reservedMicros });
    const unanswered = store.unansweredCause(job.jobId);
    const closed = { ...job, status: NOT_CREATED_STATUS, chargedMicros: 0, closedAt: now(), ...(unanswered ? { unanswered } : {}) };
    logger.info({ jobId: job.jobId, reservedMicros: job.reservedMicros }, 'unconfirmed fine-tuning job never appeared at OpenAI; reservation released');
    await this.tell(closed);
    return { ok: true, job: closed, remote: null };
  }

  /** Stores what OpenAI says about a job; a finished job's money is settled or released once. */
  async record(job: FineTuneJobRow, remote: FineTuningJob): Promise<FineTuneJobRow> {
    const { store } = this.deps;
    const progress = { status: remote.status, fineTunedModel: remote.fine_tuned_model, trainedTokens: reportedTrained(remote), error: remote.error?.message ?? null };
    store.updateProgress(job.jobId, progress);
    const updated = this.lowerToChosenEpochs({ ...job, ...progress }, remote);
    if (!FINISHED_STATUSES.has(remote.status) || job.closedAt !== null) return updated;
    const trained = remote.status === 'succeeded' ? reportedTrained(remote) : await this.trainedBeforeStop(job, remote);
    // How far it trained is not known yet (its events could not be read): the next check settles it.
    if (trained === undefined) return updated;
    const finished = { ...updated, trainedTokens: trained };
    store.updateProgress(job.jobId, { ...progress, trainedTokens: trained });
    const charged = this.account(finished);
    // Settling twice is harmless (the ledger ignores a closed reservation); only the first close posts the notice.
    if (!store.close(job.jobId, charged, this.deps.now())) return store.job(job.guildId, job.jobId) ?? finished;
    const closed = { ...finished, chargedMicros: charged, closedAt: this.deps.now() };
    this.deps.logger.info({ jobId: job.jobId, status: remote.status, chargedMicros: charged, trainedTokens: trained }, 'fine-tuning job finished');
    await this.tell(closed);
    return closed;
  }

  /**
   * A job started with `auto` epochs (by a version before the bot sent auto's rule as a number) reserved the most
   * auto was taken to pick; once OpenAI has chosen (training began),
   * the reservation drops to what that many epochs cost, and the rest is free again for every limit.
   */
  private lowerToChosenEpochs(job: FineTuneJobRow, remote: FineTuningJob): FineTuneJobRow {
    const chosen = remote.hyperparameters?.n_epochs ?? remote.method?.supervised?.hyperparameters?.n_epochs;
    if (job.epochs !== null || job.closedAt !== null || typeof chosen !== 'number' || chosen >= job.reservedEpochs) return job;
    const { store, tokens, pricing, ledger, logger } = this.deps;
    const file = store.file(job.guildId, job.fileId);
    if (!file) return job;
    const price = pricing.trainingCost(job.baseModel, tokens.weigh({ tokens: file.tokensO200k, tokensCl100k: file.tokensCl100k }, job.baseModel) * chosen);
    if (!price.known || price.micros >= job.reservedMicros) return job;
    const lowered = ledger.lower({ id: job.reservationId, reservedMicros: job.reservedMicros }, price.micros);
    store.lowerReservation(job.jobId, lowered.reservedMicros, chosen);
    logger.info({ jobId: job.jobId, epochs: chosen, reservedMicros: lowered.reservedMicros, wasMicros: job.reservedMicros }, 'fine-tuning job chose its epochs; reservation lowered to match');
    return { ...job, reservedMicros: lowered.reservedMicros, reservedEpochs: chosen };
  }

  /** Tokens a cancelled or failed job trained (null: none); undefined when its events can't be read now. */
  private async trainedBeforeStop(job: FineTuneJobRow, remote: FineTuningJob): Promise<number | null | undefined> {
    const { openai, store, tokens, logger } = this.deps;
    const reported = reportedTrained(remote);
    if (reported !== null) return reported;
    const file = store.file(job.guildId, job.fileId);
    const tokensPerEpoch = file ? tokens.weigh({ tokens: file.tokensO200k, tokensCl100k: file.tokensCl100k }, job.baseModel) : 0;
    try {
      const events = (await openai.fineTuning.jobs.listEvents(job.jobId, { limit: PROGRESS_EVENTS_READ })).data;
      return trainedBeforeStop(remote, events, tokensPerEpoch, job.epochs ?? job.reservedEpochs);
    } catch (error) {
      logger.warn({ jobId: job.jobId, failure: failedCall(error, 'job', openai).failure }, 'could not read a stopped job\'s events; it is settled at the next check');
      return undefined;
    }
  }

  /** Charged at the tokens trained; nothing trained, released. Returns the charge. */
  private account(job: FineTuneJobRow): number {
    const { ledger, pricing, logger } = this.deps;
    const reservation = { id: job.reservationId, reservedMicros: job.reservedMicros };
    if (job.status !== 'succeeded' && !job.trainedTokens) {
      ledger.release(reservation);
      return 0;
    }
    // A compatible server may not report trained tokens for a finished job (or report 0, though it made a model): the
    // reservation is the best estimate then.
    const price = !job.trainedTokens ? undefined : pricing.trainingCost(job.baseModel, job.trainedTokens);
    const charged = price?.known ? price.micros : job.reservedMicros;
    // What was billed is charged, even past the reservation (our count of the file, or auto's epochs, fell short).
    if (charged > job.reservedMicros) logger.warn({ jobId: job.jobId, chargedMicros: charged, reservedMicros: job.reservedMicros, trainedTokens: job.trainedTokens }, 'fine-tuning job trained more than was reserved');
    ledger.settle(reservation, { chargedMicros: charged, inputTokens: job.trainedTokens ?? undefined });
    return charged;
  }

  private async tell(job: FineTuneJobRow): Promise<void> {
    if (!this.notify) return;
    try {
      await this.notify(job);
    } catch (error) {
      this.deps.logger.warn({ err: error, jobId: job.jobId, channelId: job.channelId }, 'could not post the fine-tune notice');
    }
  }

  /**
   * Releases long-running reservations no followed job owns (the bot stopped between reserving and recording the
   * job, before any create was sent: a start records its job first). Only a holder whose lease ended or expired left
   * one: a live process's start between the two steps (this one's too) keeps its reservation. Run at start-up, after this
   * process took its lease, and at every poll (a process that died just before holds its lease a minute longer).
   */
  releaseStrays(): number {
    const strays = this.deps.store.strayReservations(this.deps.now());
    for (const reservation of strays) this.deps.ledger.release(reservation);
    return strays.length;
  }
}
