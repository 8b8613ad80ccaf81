/** `/finetune` results in plain words: upload reports, job status, the list and the finish notice. */
import type { FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { FineTuneJobRow, TrainingFileRow } from '../../db/fineTunes.ts';
import { absoluteTime, relativeTime } from '../budget/messages.ts';
import { describeFailure, t as failureText } from '../failureMessages.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { formatUsd } from '../pricing/index.ts';
import {
  autoEpochs, LOST_STATUS, MAX_PROBLEMS_SHOWN, MAX_TRAINING_FILE_BYTES, MIN_TRAINING_EXAMPLES, MISSING_JOB_LOST_AFTER_MS, MISSING_JOB_RECHECK_MS,
  NOT_CREATED_STATUS, UNCONFIRMED_RELEASE_AFTER_MS, UNCONFIRMED_STATUS,
} from './limits.ts';
import { lostAt } from './missing.ts';
import { text, type FineTuneStatusKey } from './messages.ts';
import type { ModelFailure } from '../openai/failures.ts';
import type { FineTuneRefusal } from './refusals.ts';
import { unansweredCause } from './create.ts';
import type { CheckResult, CostEstimate, FinishedJob, StartResult, UploadResult } from './types.ts';
import type { TrainingProblem } from './trainingFile.ts';

/** An event or error message from OpenAI is shown, but never at a length that crowds out the rest. */
const MAX_OPENAI_MESSAGE_CHARS = 300;

const STATUS_KEYS: Record<string, FineTuneStatusKey> = {
  validating_files: 'status.validating_files', queued: 'status.queued', running: 'status.running', succeeded: 'status.succeeded', failed: 'status.failed', cancelled: 'status.cancelled',
  [UNCONFIRMED_STATUS]: 'status.unconfirmed', [NOT_CREATED_STATUS]: 'status.not_created', [LOST_STATUS]: 'status.lost',
};

const DAY_MS = 24 * 60 * 60_000;

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
const clip = (message: string) => (message.length > MAX_OPENAI_MESSAGE_CHARS ? `${message.slice(0, MAX_OPENAI_MESSAGE_CHARS - 1)}…` : message);

/**
 * A failed files or fine-tuning call; a 404 there means the AI service has no fine-tuning at all (Ollama, vLLM…). A
 * refusal (400) is told by its kind, never in OpenAI's words: those go to the log (`refusal`: how it was read, if it was).
 */
export function describeApiFailure(failure: ModelFailure, language: CatalogueLanguage, model?: string, refusal?: FineTuneRefusal): string {
  if (failure.kind === 'model_not_found' && !model) return text('notSupported', language);
  if (failure.kind === 'bad_request') return text(`refused.${refusal ?? 'other'}`, language, { model: model ?? '' });
  return describeFailure(failure, language, model ?? '');
}

export function statusWord(status: string, language: CatalogueLanguage): string {
  const key = STATUS_KEYS[status];
  return key ? text(key, language) : status;
}

function describeProblem(problem: TrainingProblem, language: CatalogueLanguage): string {
  const { kind, ...values } = problem;
  return text(`problem.${kind}`, language, { ...values, min: MIN_TRAINING_EXAMPLES });
}

/** Why a file was not uploaded; line-numbered problems, the first few of them. */
export function describeUploadFailure(result: Extract<UploadResult, { ok: false }>, filename: string, language: CatalogueLanguage): string {
  switch (result.reason) {
    case 'not_jsonl': return text('notJsonl', language, { name: filename });
    case 'too_large': return text('tooLarge', language, { size: megabytes(result.size), max: megabytes(MAX_TRAINING_FILE_BYTES) });
    case 'download_failed': return text('downloadFailed', language, { cause: result.cause });
    case 'busy': return failureText('filesBusy', language);
    case 'api_failed': return describeApiFailure(result.failure, language, undefined, result.refused);
    case 'invalid': {
      const shown = result.problems.slice(0, MAX_PROBLEMS_SHOWN).map((problem) => `• ${describeProblem(problem, language)}`);
      const more = result.problems.length - shown.length;
      return [text('invalid', language, { name: filename }), ...shown, ...(more > 0 ? [text('moreProblems', language, { n: more })] : [])].join('\n');
    }
  }
}

export function describeUpload(file: TrainingFileRow, estimates: CostEstimate[], language: CatalogueLanguage): string {
  return [
    text('uploaded', language, { name: file.filename, file: file.fileId, examples: file.examples }),
    text('estimates', language, { epochs: estimates[0]?.epochs ?? 0, examples: file.examples }),
    ...estimates.map((estimate) => `• ${text('estimate', language, {
      model: estimate.model, tokens: estimate.tokens, cost: Number.isNaN(estimate.micros) ? '?' : formatUsd(estimate.micros),
    })}`),
    text('defaultEpochs', language, { n: autoEpochs(file.examples) }),
  ].join('\n');
}

/**
 * Epochs as asked; not asked, the number OpenAI's auto rule gave the file (sent as such, and reserved). A job started
 * with `auto` by an older version shows as OpenAI's choice while the job still says `auto`.
 */
function epochsText(job: FineTuneJobRow, language: CatalogueLanguage, chosen?: number | 'auto'): string {
  if (job.epochs !== null) return text('epochsGiven', language, { n: job.epochs });
  if (chosen === 'auto') return text('epochsAuto', language, { n: job.reservedEpochs });
  return text('epochsDefault', language, { n: chosen ?? job.reservedEpochs });
}

export function describeStart(result: Extract<StartResult, { ok: true }>, language: CatalogueLanguage): string {
  const { job, file } = result;
  if (result.unconfirmed) {
    return text('startUnconfirmed', language, {
      job: job.jobId, model: job.baseModel, file: job.fileId, cause: unansweredCause(result.unconfirmed),
      cost: formatUsd(job.reservedMicros), minutes: UNCONFIRMED_RELEASE_AFTER_MS / 60_000,
    });
  }
  return text('started', language, {
    job: job.jobId, model: job.baseModel, file: job.fileId, examples: file.examples, epochs: epochsText(job, language),
    cost: formatUsd(job.reservedMicros), tokens: result.tokens, n: job.reservedEpochs,
  });
}

function moneyLine(job: FineTuneJobRow, language: CatalogueLanguage): string {
  if (job.closedAt === null) return text('statusReserved', language, { cost: formatUsd(job.reservedMicros) });
  return job.chargedMicros ? text('statusCharged', language, { cost: formatUsd(job.chargedMicros) }) : text('statusReleased', language);
}

/** What a lost job's texts say: since when OpenAI answered 404, when it was settled, what was charged. */
function lostValues(job: FineTuneJobRow) {
  const at = job.closedAt ?? 0;
  return { job: job.jobId, since: absoluteTime(job.missingSince ?? at), at: absoluteTime(at), cost: formatUsd(job.chargedMicros ?? job.reservedMicros), days: MISSING_JOB_LOST_AFTER_MS / DAY_MS };
}

/** Why the status shown is not fresh from OpenAI: settled as lost, unknown to OpenAI now (a 404), or not answered. */
function warning(check: CheckResult, language: CatalogueLanguage): string[] {
  const { job } = check;
  if (job.status === LOST_STATUS) return [text('statusLost', language, lostValues(job))];
  if (check.ok) return [];
  if (!check.gone) return [text('statusStale', language, { failure: describeApiFailure(check.failure, language) })];
  // A finished job's money is settled: only a followed one waits to be settled as lost.
  if (job.closedAt !== null || job.missingSince === null) return [text('statusGoneClosed', language, { job: job.jobId })];
  return [text('statusGone', language, {
    job: job.jobId, since: absoluteTime(job.missingSince), until: absoluteTime(lostAt(job.missingSince)), minutes: MISSING_JOB_RECHECK_MS / 60_000, cost: formatUsd(job.reservedMicros),
  })];
}

/** The reply to `cancel` or `use` of a job settled as lost. */
export function describeLost(key: 'cancelLost' | 'useLost', job: FineTuneJobRow, language: CatalogueLanguage): string {
  return text(key, language, lostValues(job));
}

/** Whether ALLOWED_MODELS lets a channel use a model: a fine-tune it leaves out is never offered for `/finetune use`. */
export type ModelAllowed = (model: string) => boolean;

/**
 * Status, model, trained tokens, the fine-tuned model (and whether it may be used here), money, errors in plain words,
 * then the latest events (oldest first).
 */
export function describeStatus(check: CheckResult, events: FineTuningJobEvent[], language: CatalogueLanguage, allowed: ModelAllowed): string {
  const { job } = check;
  const lines = [
    ...warning(check, language),
    text('statusHeader', language, { job: job.jobId, status: statusWord(job.status, language) }),
    text('statusModel', language, { model: job.baseModel, file: job.fileId, epochs: epochsText(job, language, check.ok ? check.remote?.hyperparameters?.n_epochs : undefined) }),
    ...(job.trainedTokens ? [text('statusTrained', language, { n: job.trainedTokens })] : []),
    ...(job.fineTunedModel ? [text(allowed(job.fineTunedModel) ? 'statusReady' : 'statusReadyNotAllowed', language, { model: job.fineTunedModel, job: job.jobId })] : []),
    ...(job.error ? [text('statusError', language, { error: clip(job.error) })] : []),
    moneyLine(job, language),
  ];
  if (events.length > 0) {
    lines.push('', text('events', language));
    for (const event of [...events].reverse()) lines.push(`<t:${event.created_at}:T> ${event.level === 'error' ? '❌ ' : ''}${clip(event.message)}`);
  }
  return lines.join('\n');
}

export function describeList(jobs: FineTuneJobRow[], more: boolean, language: CatalogueLanguage): string {
  const lines = jobs.map((job) => {
    const result = job.fineTunedModel ? ` → \`${job.fineTunedModel}\`` : '';
    return `• \`${job.jobId}\` · ${statusWord(job.status, language)} · \`${job.baseModel}\`${result} · ${relativeTime(job.createdAt)}`;
  });
  return [text('listHeader', language), ...lines, ...(more ? [text('listMore', language)] : [])].join('\n');
}

/**
 * Posted in the channel where the job was started, once it finished. A model ALLOWED_MODELS leaves out (the list only
 * names another organisation's fine-tunes, or changed since the start) is not offered for `/finetune use`, which would refuse it.
 */
export function finishNotice(job: FinishedJob, language: CatalogueLanguage, allowed: ModelAllowed): string {
  if (job.status === 'succeeded') {
    const usable = job.fineTunedModel === null || allowed(job.fineTunedModel);
    return text(usable ? 'noticeSucceeded' : 'noticeSucceededNotAllowed', language, {
      job: job.jobId, model: job.fineTunedModel ?? '?', tokens: job.trainedTokens ?? 0, cost: formatUsd(job.chargedMicros ?? 0),
    });
  }
  if (job.status === LOST_STATUS) return text('noticeLost', language, lostValues(job));
  // Without a recorded cause (the bot stopped while the create was out) the answer was lost all the same.
  if (job.status === NOT_CREATED_STATUS) return text('noticeNotCreated', language, { job: job.jobId, cause: job.unanswered ?? 'lost' });
  const money = job.chargedMicros ? text('noticePartial', language, { tokens: job.trainedTokens ?? 0, cost: formatUsd(job.chargedMicros) }) : text('noticeFree', language);
  if (job.status === 'failed') return text('noticeFailed', language, { job: job.jobId, error: clip(job.error ?? text('unknownError', language)), money });
  return text('noticeCancelled', language, { job: job.jobId, money });
}

/** The reply to `/finetune cancel`: what the training done so far cost, or that it is still being settled. */
export function describeCancel(job: FineTuneJobRow, language: CatalogueLanguage): string {
  const values = { job: job.jobId, cost: formatUsd(job.reservedMicros) };
  if (job.closedAt === null) return text('cancelling', language, values);
  if (!job.chargedMicros) return text('cancelled', language, values);
  return text('cancelledCharged', language, { ...values, tokens: job.trainedTokens ?? 0, charged: formatUsd(job.chargedMicros) });
}
