import { randomUUID } from 'node:crypto';
import type { OpenAI } from 'openai';
import type { FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { FineTuneJobRow, FineTuneStore, TrainingFileRow } from '../../db/fineTunes.ts';
import type { Logger } from '../../logger.ts';
import { downloadAttachment, noRoom } from '../discord/attachmentDownload.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';
import type { Ledger } from '../budget/ledger.ts';
import type { Pricing } from '../pricing/index.ts';
import type { TokenCounter } from '../tokens.ts';
import {
  autoEpochs, EVENTS_SHOWN, FINE_TUNABLE_MODELS, LOST_STATUS, MAX_EPOCHS, MAX_TRAINING_FILE_BYTES, TRAINING_DOWNLOAD_TIMEOUT_MS,
  TRAINING_UPLOAD_TIMEOUT_MS, UNCONFIRMED_STATUS,
} from './limits.ts';
import { createJob, taggedJobId, tagOfUnconfirmed, unansweredCause, unconfirmedJobId } from './create.ts';
import { failedCall, unknownJob } from './refusals.ts';
import { uploadTrainingFile } from './upload.ts';
import { checkTrainingFile, countTrainingTokens } from './trainingFile.ts';
import { JobTracker } from './tracker.ts';
import type {
  CancelResult, CostEstimate, LookupFailure, ModelResult, StartRequest, StartResult, StatusResult, TrainingAttachment, UploadResult,
} from './types.ts';

/** The shape of randomUUID(), the one-time tag of each start. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface FineTuneDependencies {
  openai: OpenAI;
  store: FineTuneStore;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  logger: Logger;
  now: () => number;
  /** The process's bound on files held in memory. */
  downloads: DownloadGate;
  /** Injected in tests. */
  fetch?: typeof fetch;
}

/** The tutorial's fine-tuning steps for a server: upload a JSONL file, start a job, follow it, use the model. */
export class FineTuneService {
  readonly tracker: JobTracker;
  /** One upload attempt's limit, its answer's body included; public so a test can shorten it on a running bot. */
  uploadTimeoutMs = TRAINING_UPLOAD_TIMEOUT_MS;

  constructor(private readonly deps: FineTuneDependencies) {
    this.tracker = new JobTracker(deps);
  }

  /** Download → check every line → count tokens → upload with purpose `fine-tune` → remember it for this server. */
  async upload(attachment: TrainingAttachment, guildId: string, userId: string, log: Logger, deadline: number): Promise<UploadResult> {
    if (!attachment.filename.toLowerCase().endsWith('.jsonl')) return { ok: false, reason: 'not_jsonl' };
    if (attachment.size > MAX_TRAINING_FILE_BYTES) return { ok: false, reason: 'too_large', size: attachment.size };
    const download = await downloadAttachment(attachment.url, {
      maxBytes: MAX_TRAINING_FILE_BYTES, timeoutMs: TRAINING_DOWNLOAD_TIMEOUT_MS, declaredSize: attachment.size, fetch: this.deps.fetch,
      // The wait for room leaves the download's own time, and the upload's, before the deadline.
      gate: { gate: this.deps.downloads, waitMs: deadline - Date.now() - TRAINING_DOWNLOAD_TIMEOUT_MS - this.uploadTimeoutMs },
    });
    if (!download.ok) {
      if (download.reason === 'busy') return noRoom(download, 'training', log);
      // 'refused' comes only from a byte check, and none is passed here: it reads as a failed download.
      log.warn({ reason: download.reason, detail: download.detail }, 'training file download failed');
      return download.reason === 'too-large' ? { ok: false, reason: 'too_large', size: attachment.size } : { ok: false, reason: 'download_failed', cause: download.reason === 'http-error' ? 'http' : download.reason === 'refused' ? 'network' : download.reason };
    }
    // The bytes stay in memory until the upload is over: the room is given back then, on every path.
    try {
      return await this.checkAndUpload(attachment, download.bytes, guildId, userId, log, deadline);
    } finally {
      download.release();
    }
  }

  /** Check every line → count tokens → upload → remember it for this server. */
  private async checkAndUpload(attachment: TrainingAttachment, bytes: Uint8Array, guildId: string, userId: string, log: Logger, deadline: number): Promise<UploadResult> {
    const checked = checkTrainingFile(bytes);
    if (!checked.ok) return { ok: false, reason: 'invalid', problems: checked.problems };
    const counts = await countTrainingTokens(checked.examples, this.deps.tokens);
    const uploaded = await uploadTrainingFile(this.deps.openai, { bytes, filename: attachment.filename, deadline, timeoutMs: this.uploadTimeoutMs, tracked: (id) => this.deps.store.hasFile(id) });
    if (!uploaded.ok) {
      // OpenAI's own words (secrets blanked) are for the operator; the admin reads the refusal's kind.
      log.warn({ failure: uploaded.failure, refusal: uploaded.refusal }, 'training file upload failed');
      return { ok: false, reason: 'api_failed', failure: uploaded.failure, ...(uploaded.refusal ? { refused: uploaded.refusal.reason } : {}) };
    }
    const { fileId } = uploaded;
    const file: TrainingFileRow = {
      fileId, guildId, filename: attachment.filename, bytes: bytes.length, examples: checked.examples.length,
      tokensO200k: counts.tokens, tokensCl100k: counts.tokensCl100k, uploadedBy: userId, createdAt: this.deps.now(),
    };
    this.deps.store.addFile(file);
    log.info({ fileId, examples: file.examples, tokens: counts }, 'training file uploaded');
    return { ok: true, file, estimates: FINE_TUNABLE_MODELS.map((model) => this.estimate(file, model, autoEpochs(file.examples))) };
  }

  /** Training tokens of a file for one base model (its tokenizer) and their price for some epochs. */
  private estimate(file: TrainingFileRow, model: string, epochs: number): CostEstimate {
    const tokens = this.deps.tokens.weigh({ tokens: file.tokensO200k, tokensCl100k: file.tokensCl100k }, model);
    const price = this.deps.pricing.trainingCost(model, tokens * epochs);
    // Every offered model has a training price; an unpriced one (a PRICING_FILE mistake) is refused in start().
    return { model, epochs, tokens, micros: price.known ? price.micros : Number.NaN };
  }

  /**
   * Reserve tokens × epochs × the training price for the admin, then create the job. A refused create releases; one
   * whose answer was lost keeps the reservation for the job found in OpenAI's list, or followed as unconfirmed.
   */
  async start(request: StartRequest): Promise<StartResult> {
    const { store, ledger, openai } = this.deps;
    const file = store.file(request.guildId, request.fileId);
    if (!file) return { ok: false, reason: 'unknown_file' };
    if (!(FINE_TUNABLE_MODELS as readonly string[]).includes(request.model)) return { ok: false, reason: 'bad_model' };
    // Discord enforces the option's range, but the reservation is epochs × tokens: a stale registration's 0 (or 50) is never priced.
    if (request.epochs !== undefined && !(Number.isInteger(request.epochs) && request.epochs >= 1 && request.epochs <= MAX_EPOCHS)) return { ok: false, reason: 'bad_epochs' };
    // Without epochs, the number OpenAI's auto rule gives this file, sent as such: `auto` itself has no documented bound
    // short of the API's 50, so what it would bill could not be reserved (and a member's cost would not be known).
    const cost = this.estimate(file, request.model, request.epochs ?? autoEpochs(file.examples));
    if (Number.isNaN(cost.micros)) return { ok: false, reason: 'bad_model' };
    const reserved = await ledger.reserveShared(request.payer, { command: 'finetune', model: request.model, worstCaseMicros: cost.micros, longRunning: true });
    if (!reserved.ok) {
      request.log.info({ refusal: reserved.refusal }, 'refused: over budget');
      return { ok: false, reason: 'over_budget', refusal: reserved.refusal };
    }
    // The job is recorded before the create is sent, as unconfirmed under the request's one-time tag: if the bot
    // stops while the create is out, the tracker still finds the job it made (or, after a while, releases the money).
    const tag = randomUUID();
    const pending = {
      jobId: unconfirmedJobId(tag), guildId: request.guildId, channelId: request.channelId, userId: request.payer.userId, language: request.language,
      fileId: file.fileId, baseModel: request.model, epochs: request.epochs ?? null, reservedEpochs: cost.epochs, suffix: request.suffix ?? null,
      status: UNCONFIRMED_STATUS, reservationId: reserved.reservation.id, reservedMicros: reserved.reservation.reservedMicros, createdAt: this.deps.now(),
    };
    store.addJob(pending);
    const created = await createJob(openai, {
      trainingFile: file.fileId, model: request.model, suffix: request.suffix ?? null, epochs: cost.epochs, tag,
    }, (jobId) => (store.reservationOf(jobId) ?? reserved.reservation.id) !== reserved.reservation.id);
    // A poll that found the job while this create failed has already given the row its real id: that job trains, and its
    // reservation must stay for the tracker to settle. Only a row still waiting under its unconfirmed id is taken back.
    const stillUnconfirmed = store.jobOfReservation(reserved.reservation.id)?.jobId === pending.jobId;
    if (!created.ok && !created.mayExist && stillUnconfirmed) {
      store.removeJob(pending.jobId);
      ledger.release(reserved.reservation);
      request.log.warn({ failure: created.failure, refusal: created.refusal }, 'fine-tuning job could not be created');
      return { ok: false, reason: 'api_failed', failure: created.failure, ...(created.refusal ? { refused: created.refusal.reason } : {}) };
    }
    // A poll that ran while the create was out may have found the job first: the row then holds the real id already.
    if (created.ok) store.confirmJob(pending.jobId, created.job.id, created.job.status);
    const job = store.jobOfReservation(reserved.reservation.id) ?? { ...pending, fineTunedModel: null, trainedTokens: null, error: null, chargedMicros: null, closedAt: null, missingSince: null, missingCheckedAt: null };
    if (job.status === UNCONFIRMED_STATUS && !created.ok) {
      // The create's answer was lost: the reservation stays with the job it may have started until OpenAI's list says.
      store.noteUnanswered(job.jobId, unansweredCause(created.failure));
      request.log.warn({ jobId: job.jobId, failure: created.failure, reservedMicros: job.reservedMicros }, 'fine-tuning job create unanswered and not found at OpenAI yet; reservation kept while the tracker looks');
      return { ok: true, job, file, tokens: cost.tokens, unconfirmed: created.failure };
    }
    if (!created.ok || created.adopted) request.log.warn({ jobId: job.jobId }, 'fine-tuning job create unanswered; the job it created was found at OpenAI and adopted');
    request.log.info({ jobId: job.jobId, model: job.baseModel, reservedMicros: job.reservedMicros }, 'fine-tuning job started');
    return { ok: true, job, file, tokens: cost.tokens };
  }

  private async find(guildId: string, jobId: string | null): Promise<{ ok: true; job: FineTuneJobRow } | LookupFailure> {
    const { store } = this.deps;
    const job = jobId ? store.job(guildId, jobId) ?? await this.confirmedAs(guildId, jobId) : store.jobs(guildId, 1)[0];
    if (job) return { ok: true, job };
    return { ok: false, reason: jobId ? 'unknown_job' : 'no_jobs' };
  }

  /**
   * An unconfirmed id the admin was given, after its job was confirmed: the row holds the real id now, which the
   * start remembered. A start confirmed before that was stored asks OpenAI's list once, by the one-time tag the
   * create carried, and remembers the answer. Only this server's rows are found.
   */
  private async confirmedAs(guildId: string, jobId: string): Promise<FineTuneJobRow | undefined> {
    const { store, openai } = this.deps;
    if (!jobId.startsWith(unconfirmedJobId(''))) return undefined;
    const stored = store.confirmedAs(jobId);
    if (stored !== undefined) return store.job(guildId, stored);
    // Tags are random UUIDs: anything else names no start, and costs OpenAI no call.
    if (!UUID.test(tagOfUnconfirmed(jobId))) return undefined;
    const realId = await taggedJobId(openai, tagOfUnconfirmed(jobId));
    if (realId === undefined || store.reservationOf(realId) === undefined) return undefined;
    store.rememberConfirmed(jobId, realId);
    return store.job(guildId, realId);
  }

  /** The job as OpenAI sees it now (closed if it finished) and its latest events; without an id, the newest job. */
  async status(guildId: string, jobId: string | null): Promise<StatusResult> {
    const found = await this.find(guildId, jobId);
    if (!found.ok) return found;
    const check = await this.tracker.check(found.job);
    if (!check.ok || !check.remote) return { ok: true, check, events: [] };
    // Events are a nicety: the status is shown without them if they can't be fetched.
    const events = await this.deps.openai.fineTuning.jobs.listEvents(check.job.jobId, { limit: EVENTS_SHOWN })
      .then((page) => page.data, () => [] as FineTuningJobEvent[]);
    return { ok: true, check, events };
  }

  async cancel(guildId: string, jobId: string): Promise<CancelResult> {
    const found = await this.find(guildId, jobId);
    if (!found.ok) return found;
    const checked = await this.tracker.check(found.job);
    const current = checked.job;
    if (current.status === LOST_STATUS) return { ok: false, reason: 'lost', job: current };
    if (current.closedAt !== null) return { ok: false, reason: 'finished', job: current };
    // OpenAI just answered 404 for it: a cancel would get the same answer (a call refused with a 404 is not repeated).
    if (!checked.ok && checked.gone) return { ok: false, reason: 'gone', job: current };
    // Not found at OpenAI yet: there is nothing to cancel until it turns up (the tracker keeps looking).
    if (current.status === UNCONFIRMED_STATUS) return { ok: false, reason: 'unconfirmed', job: current };
    try {
      // An unconfirmed job the check just found at OpenAI is cancelled under its real id.
      const remote = await this.deps.openai.fineTuning.jobs.cancel(current.jobId);
      return { ok: true, job: await this.tracker.record(current, remote) };
    } catch (error) {
      // The admin reads a refusal only by kind, which points to the log: OpenAI's words (secrets blanked) go there.
      const { failure, refusal } = failedCall(error, 'job', this.deps.openai);
      this.deps.logger.warn({ jobId: current.jobId, failure, ...(refusal ? { refusal } : {}) }, 'fine-tuning job could not be cancelled');
      return unknownJob(error) ? { ok: false, reason: 'gone', job: current } : { ok: false, reason: 'api_failed', failure };
    }
  }

  /** The fine-tuned model of a job that succeeded (checked with OpenAI if it was still running). */
  async fineTunedModel(guildId: string, jobId: string): Promise<ModelResult> {
    const found = await this.find(guildId, jobId);
    if (!found.ok) return found;
    const checked = found.job.closedAt === null ? await this.tracker.check(found.job) : undefined;
    const job = checked?.job ?? found.job;
    if (job.status === 'succeeded' && job.fineTunedModel) return { ok: true, model: job.fineTunedModel };
    if (job.status === LOST_STATUS) return { ok: false, reason: 'lost', job };
    return { ok: false, reason: checked && !checked.ok && checked.gone ? 'gone' : 'not_ready', job };
  }

  jobs(guildId: string, limit: number): FineTuneJobRow[] {
    return this.deps.store.jobs(guildId, limit);
  }

  files(guildId: string, limit: number): TrainingFileRow[] {
    return this.deps.store.files(guildId, limit);
  }

  /** For `/settings model` suggestions. */
  fineTunedModels(guildId: string): string[] {
    return this.deps.store.fineTunedModels(guildId);
  }
}
