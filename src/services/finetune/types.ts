/** What `/finetune`'s service takes and returns: every expected failure is a value. */
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { FineTuneJobRow, TrainingFileRow, UnansweredCause } from '../../db/fineTunes.ts';
import type { Logger } from '../../logger.ts';
import type { NoRoom } from '../discord/attachmentDownload.ts';
import type { Payer, Refusal } from '../budget/ledger.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import type { ModelFailure } from '../openai/failures.ts';
import type { FineTuneRefusal } from './refusals.ts';
import type { TrainingProblem } from './trainingFile.ts';

export interface TrainingAttachment {
  url: string;
  filename: string;
  /** Size Discord reports; over the cap means no download at all. */
  size: number;
}

export interface CostEstimate {
  model: string;
  /** Training tokens of one epoch, under the model's tokenizer. */
  tokens: number;
  epochs: number;
  micros: number;
}

export type UploadResult =
  | { ok: true; file: TrainingFileRow; estimates: CostEstimate[] }
  | { ok: false; reason: 'not_jsonl' }
  | { ok: false; reason: 'too_large'; size: number }
  /** `cause`: how the download failed, told in the member's words; Discord's status line stays in the log. */
  | { ok: false; reason: 'download_failed'; cause: 'timeout' | 'http' | 'network' }
  /** Too many files in memory: no room came within the wait; nothing was downloaded or sent. */
  | NoRoom
  | { ok: false; reason: 'invalid'; problems: TrainingProblem[] }
  /** `refused`: OpenAI refused the upload (a 400), by kind. */
  | { ok: false; reason: 'api_failed'; failure: ModelFailure; refused?: FineTuneRefusal };

export interface StartRequest {
  guildId: string;
  channelId: string;
  payer: Payer;
  language: CatalogueLanguage;
  fileId: string;
  model: string;
  /** Omitted: the number OpenAI's auto rule gives the file (autoEpochs), sent as a number so the bill is known. */
  epochs?: number;
  suffix?: string;
  log: Logger;
}

export type StartResult =
  /** `unconfirmed`: the create's answer was lost (how) and OpenAI's list doesn't show its job yet; the reservation is kept. */
  | { ok: true; job: FineTuneJobRow; file: TrainingFileRow; tokens: number; unconfirmed?: ModelFailure }
  | { ok: false; reason: 'unknown_file' | 'bad_model' | 'bad_epochs' }
  | { ok: false; reason: 'over_budget'; refusal: Refusal }
  /** `refused`: OpenAI refused the create (a 400), by kind. */
  | { ok: false; reason: 'api_failed'; failure: ModelFailure; refused?: FineTuneRefusal };

export type LookupFailure = { ok: false; reason: 'unknown_job' | 'no_jobs' };
export type StatusResult = { ok: true; check: CheckResult; events: FineTuningJobEvent[] } | LookupFailure;
/**
 * `gone`: OpenAI doesn't know the job under the bot's key now (a 404); its reservation stays until it is settled as
 * lost. `lost`: it was (a week of 404s), charged its reservation.
 */
export type CancelResult =
  | { ok: true; job: FineTuneJobRow } | LookupFailure | { ok: false; reason: 'finished' | 'unconfirmed' | 'gone' | 'lost'; job: FineTuneJobRow }
  | { ok: false; reason: 'api_failed'; failure: ModelFailure };
/** `gone`: a job still open that OpenAI answers 404 for under the bot's key now (see CheckResult). */
export type ModelResult = { ok: true; model: string } | LookupFailure | { ok: false; reason: 'not_ready' | 'lost' | 'gone'; job: FineTuneJobRow };

/**
 * A job as OpenAI reported it at a check (null: an unconfirmed job still not in OpenAI's list), or why it could not be
 * checked (`gone`: OpenAI doesn't know the job under the bot's key now, a 404).
 */
export type CheckResult = { ok: true; job: FineTuneJobRow; remote: FineTuningJob | null } | { ok: false; job: FineTuneJobRow; failure: ModelFailure; gone?: boolean };

/** A job that finished; `unanswered`, for one never created, how its create's answer failed (if the bot saw it fail). */
export type FinishedJob = FineTuneJobRow & { unanswered?: UnansweredCause };

/** Told once when a followed job finished and its money was settled; the presentation layer words the notice. */
export type Notify = (job: FinishedJob) => Promise<void>;
