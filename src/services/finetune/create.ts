import type { OpenAI } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import type { UnansweredCause } from '../../db/fineTunes.ts';
import { clientSecrets } from '../openai/errorBodies.ts';
import type { ModelFailure } from '../openai/failures.ts';
import { sendPaid } from '../openai/paidAttempts.ts';
import { mayHaveBeenDone } from '../openai/paidRetries.ts';
import {
  CREATED_AT_SKEW_SECONDS, CREATED_JOB_SEARCH_LIMIT, JOB_CREATE_FAST_SERVER_ERROR_MS, JOB_CREATE_RETRY_WINDOW_MS, START_TAG_KEY, UNCONFIRMED_STATUS,
} from './limits.ts';
import { failedCall, type RefusalDetail } from './refusals.ts';

/**
 * A job create starts hours of paid training, so it runs with the SDK's retries off: the SDK repeats a request that
 * timed out or whose connection dropped like a 429, and one that got that far may have created a job, which the
 * repeat would double. Only answers that say nothing was created are repeated (paidAttempts.ts); after a timeout,
 * a lost connection or a 5xx the job is looked for in OpenAI's list instead, by the one-time tag the request carried.
 */

/** A connection that never opened sent nothing: tried again like a 429. */
const JOB_CREATE_RETRY_RULES = { fastServerErrorMs: JOB_CREATE_FAST_SERVER_ERROR_MS, repeatNeverSent: true };

/** What identifies the job one create asked for. */
export interface JobRequest {
  trainingFile: string;
  model: string;
  suffix: string | null;
  /** The one-time tag sent as metadata. */
  tag: string;
  /** Epoch ms when the request that may have created it was sent. */
  sentAt: number;
}

export type CreateOutcome =
  | { ok: true; job: FineTuningJob; request: JobRequest; adopted: boolean }
  /** `mayExist`: the create may have reached OpenAI (timeout, lost connection) and its list could not say. `refusal`: a 4xx, read. */
  | { ok: false; failure: ModelFailure; request: JobRequest; mayExist: boolean; refusal?: RefusalDetail };

/** How a create's answer failed: no answer in time, the connection lost, or an error answer that may follow the job's creation. */
export const unansweredCause = (failure: ModelFailure): UnansweredCause => (failure.kind === 'timeout' ? 'timeout' : failure.kind === 'server_error' ? 'error' : 'lost');

/** An unconfirmed job is followed under this id until OpenAI's list shows the real one. */
export const unconfirmedJobId = (tag: string) => `${UNCONFIRMED_STATUS}-${tag}`;
export const tagOfUnconfirmed = (jobId: string) => jobId.slice(UNCONFIRMED_STATUS.length + 1);

/** Whether a job in OpenAI's list is the one this request created. */
export function isCreatedFor(job: FineTuningJob, request: JobRequest): boolean {
  const tag = job.metadata?.[START_TAG_KEY];
  // OpenAI keeps the tag: it decides. A server that dropped metadata leaves the fields to match.
  if (tag !== undefined) return tag === request.tag;
  const suffix = (job as { user_provided_suffix?: string | null }).user_provided_suffix;
  return job.training_file === request.trainingFile
    && (job.model === request.model || job.model.startsWith(`${request.model}-`))
    && (suffix === undefined || (suffix ?? null) === request.suffix)
    && job.created_at >= Math.floor(request.sentAt / 1000) - CREATED_AT_SKEW_SECONDS;
}

type Listed = { ok: true; job: FineTuningJob | undefined } | { ok: false; failure: ModelFailure };

/** The first job of one page of OpenAI's list (newest first) that `matches` (a free call: the SDK's own retries apply). */
async function listedJob(openai: OpenAI, tag: string | undefined, matches: (job: FineTuningJob) => boolean): Promise<Listed> {
  try {
    const page = await openai.fineTuning.jobs.list({ limit: CREATED_JOB_SEARCH_LIMIT, ...(tag === undefined ? {} : { metadata: { [START_TAG_KEY]: tag } }) });
    return { ok: true, job: page.data.find(matches) };
  } catch (error) {
    return { ok: false, failure: failedCall(error, 'job', openai).failure };
  }
}

/**
 * Looks for the request's job by its tag, which OpenAI's list filters on however many jobs came after it (a bot down
 * for days while the organisation started hundreds finds it all the same); then, for a server that drops metadata
 * and so can't filter by it (or refuses the filter), among the newest jobs by their fields.
 */
export async function findCreatedJob(openai: OpenAI, request: JobRequest, tracked: (jobId: string) => boolean): Promise<Listed> {
  const matches = (job: FineTuningJob) => !tracked(job.id) && isCreatedFor(job, request);
  const tagged = await listedJob(openai, request.tag, matches);
  if (tagged.ok && tagged.job) return tagged;
  return tagged.ok ? listedJob(openai, undefined, matches) : unfilteredIfRefused(openai, tagged, matches);
}

/** A server that refuses the metadata filter (a 400) is asked for its newest jobs instead; any other failure stands. */
const unfilteredIfRefused = (openai: OpenAI, failed: Listed, matches: (job: FineTuningJob) => boolean) =>
  !failed.ok && failed.failure.kind === 'bad_request' ? listedJob(openai, undefined, matches) : Promise.resolve(failed);

/** The id of the job OpenAI lists with this one-time tag (undefined if there is none, or the list fails). */
export async function taggedJobId(openai: OpenAI, tag: string): Promise<string | undefined> {
  const matches = (job: FineTuningJob) => job.metadata?.[START_TAG_KEY] === tag;
  const found = await listedJob(openai, tag, matches).then((listed) => unfilteredIfRefused(openai, listed, matches));
  return found.ok ? found.job?.id : undefined;
}

/** Creates the job, repeating only what can't have created one; a lost answer is looked up, never repeated. */
export async function createJob(
  openai: OpenAI,
  params: { trainingFile: string; model: string; suffix: string | null; epochs: number; tag: string },
  tracked: (jobId: string) => boolean,
): Promise<CreateOutcome> {
  const body = {
    training_file: params.trainingFile, model: params.model, hyperparameters: { n_epochs: params.epochs },
    metadata: { [START_TAG_KEY]: params.tag }, ...(params.suffix ? { suffix: params.suffix } : {}),
  };
  const requestAt = (sentAt: number): JobRequest => ({ trainingFile: params.trainingFile, model: params.model, suffix: params.suffix, tag: params.tag, sentAt });
  const sent = await sendPaid(() => openai.fineTuning.jobs.create(body, { maxRetries: 0 }), {
    ...JOB_CREATE_RETRY_RULES, maxRetries: openai.maxRetries, deadline: Date.now() + JOB_CREATE_RETRY_WINDOW_MS, context: { secrets: clientSecrets(openai) },
    // A 5xx later than JOB_CREATE_FAST_SERVER_ERROR_MS, or an answer that could not be read, may follow a job stored.
    mayHaveDone: mayHaveBeenDone,
    // Not listed (yet), or the list failed too: it may still appear, so the tracker keeps looking.
    lookup: async (sentAt) => {
      const found = await findCreatedJob(openai, requestAt(sentAt), tracked);
      return !found.ok ? 'unknown' : found.job ? { found: found.job } : 'absent';
    },
  });
  const request = requestAt(sent.sentAt);
  if (sent.ok) return { ok: true, job: sent.value, request, adopted: sent.found };
  const refusal = sent.failure.kind === 'bad_request' ? failedCall(sent.error, 'create', openai).refusal : undefined;
  return { ok: false, failure: sent.failure, request, mayExist: sent.mayBeDone, ...(refusal ? { refusal } : {}) };
}
