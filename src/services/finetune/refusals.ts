import { APIError, type OpenAI } from 'openai';
import { clientSecrets, redactSecrets } from '../openai/errorBodies.ts';
import { classifyError, type ModelFailure } from '../openai/failures.ts';

/**
 * Why OpenAI refused a fine-tuning call with a 4xx (a 400 for a bad request), in the few kinds an admin can act on.
 * OpenAI's own message is English, may quote ids and parameters, and is no text for a member: each kind has a
 * catalogue text, and the message goes to the log for the operator.
 */
export type FineTuneRefusal = 'invalid_file' | 'bad_format' | 'model_not_fine_tunable' | 'quota' | 'other';

/** What OpenAI said, kept for the log (secrets blanked, cut to a log line's worth). */
export interface RefusalDetail {
  reason: FineTuneRefusal;
  code: string | null;
  param: string | null;
  message: string;
}

/** The most of OpenAI's message kept in a log line. */
const MAX_LOGGED_MESSAGE_CHARS = 500;

/** The call OpenAI refused: a job create, a training-file upload, or a call on a job that exists (retrieve, cancel). */
export type RefusedCall = 'create' | 'upload' | 'job';

/**
 * Each kind by OpenAI's `code`, its `param`, or its message's words, checked in this order (a quota message may name the
 * file or the model; a format message names the file), and only for the calls it can answer: an upload names no model,
 * so no words of its message make it a model refusal; a call on a job that exists is read as none of these. Codes as
 * OpenAI sends them: `invalid_file_format` for an upload it can't read, `model_not_available` for a base model it
 * doesn't fine-tune, `invalid_training_file` for a file id it won't train on; the words cover messages without a code
 * ("Creating this job would exceed your hard limit").
 */
const KINDS: { reason: Exclude<FineTuneRefusal, 'other'>; calls: readonly RefusedCall[]; codes: RegExp; params?: RegExp; words: RegExp }[] = [
  { reason: 'quota', calls: ['create', 'upload'], codes: /quota|hard_limit|billing|spend/, words: /quota|hard limit|billing|spend(ing)? limit/i },
  {
    reason: 'model_not_fine_tunable', calls: ['create'], codes: /model/, params: /^model$/,
    words: /(not available|not supported|unsupported|cannot be used) for fine-?tuning|does not support fine-?tuning|cannot be fine-?tuned/i,
  },
  { reason: 'bad_format', calls: ['create', 'upload'], codes: /format|jsonl|json/, words: /format|jsonl|not valid json|invalid json/i },
  { reason: 'invalid_file', calls: ['create', 'upload'], codes: /file/, params: /^(training_file|validation_file|file)$/, words: /\bfile\b/i },
];

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The kind of a refusal OpenAI answered `call` with (read for a failure classified `bad_request`); undefined without an HTTP 4xx. */
export function refusalOf(error: unknown, call: RefusedCall, secrets: readonly string[] = []): RefusalDetail | undefined {
  if (!(error instanceof APIError) || error.status === undefined || error.status < 400 || error.status >= 500) return undefined;
  const body = (typeof error.error === 'object' && error.error !== null ? error.error : {}) as { message?: unknown };
  const code = text(error.code)?.toLowerCase() ?? null;
  const param = text(error.param);
  const message = redactSecrets(text(body.message) ?? error.message, secrets).slice(0, MAX_LOGGED_MESSAGE_CHARS);
  const kind = KINDS.find((k) => k.calls.includes(call) && ((code !== null && k.codes.test(code)) || (param !== null && k.params?.test(param)) || k.words.test(message)));
  return { reason: kind?.reason ?? 'other', code, param, message };
}

/**
 * A 404 to a call on a job the bot recorded (retrieve, cancel): the AI service doesn't know that job under the key the bot
 * uses now (another key, organisation or project, or another server, started it). Never "no fine-tuning here": it made the job.
 */
export const unknownJob = (error: unknown): boolean => error instanceof APIError && error.status === 404;

/**
 * A failed fine-tuning call, read with the client's secrets blanked: how it failed, and (a 4xx) how OpenAI's refusal of
 * `call` reads, whose words go to the log for the operator, never to the admin.
 */
export function failedCall(error: unknown, call: RefusedCall, openai: OpenAI): { failure: ModelFailure; refusal?: RefusalDetail } {
  const secrets = clientSecrets(openai);
  const refusal = refusalOf(error, call, secrets);
  return { failure: classifyError(error, false, { secrets }), ...(refusal ? { refusal } : {}) };
}
