import type { Logger } from '../../logger.ts';
import {
  APIConnectionError, APIConnectionTimeoutError, APIError, AuthenticationError, NotFoundError, PermissionDeniedError, RateLimitError,
} from 'openai';

/** Every way a model call can fail that the bot explains to people instead of crashing. */
export type ModelFailure =
  | { kind: 'rate_limited'; retryAfterSeconds: number | undefined }
  | { kind: 'quota' }
  | { kind: 'context_too_long' }
  | { kind: 'refused'; message: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'server_error'; status: number | undefined }
  | { kind: 'network' }
  | { kind: 'auth' }
  | { kind: 'model_not_found' }
  | { kind: 'bad_request'; message: string }
  | { kind: 'cut_off' };

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  const seconds = Number(headers?.get('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds);
  const reset = headers?.get('x-ratelimit-reset-requests') ?? headers?.get('x-ratelimit-reset-tokens');
  const match = reset?.match(/^(?:(\d+)m)?(?:([\d.]+)s)?(?:(\d+)ms)?$/);
  if (match && reset) return Math.max(1, Math.ceil(Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) + Number(match[3] ?? 0) / 1000));
  return undefined;
}

/** Turns whatever the SDK threw into a ModelFailure; `timedOut` says our own idle timer aborted it. */
export function classifyError(error: unknown, timedOut: boolean): ModelFailure {
  if (timedOut || error instanceof APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof RateLimitError) {
    return error.code === 'insufficient_quota' ? { kind: 'quota' } : { kind: 'rate_limited', retryAfterSeconds: retryAfterSeconds(error.headers) };
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return { kind: 'auth' };
  if (error instanceof NotFoundError) return { kind: 'model_not_found' };
  if (error instanceof APIConnectionError) return { kind: 'network' };
  if (error instanceof APIError) {
    if (error.code === 'context_length_exceeded') return { kind: 'context_too_long' };
    if (error.code === 'insufficient_quota') return { kind: 'quota' };
    // Safety refusals: DALL·E's content_policy_violation, gpt-image's moderation_blocked, chat's content_filter.
    if (error.code === 'content_policy_violation' || error.code === 'moderation_blocked' || error.code === 'content_filter') return { kind: 'refused', message: undefined };
    if (error.status === undefined) return { kind: 'network' };
    if (error.status >= 500) return { kind: 'server_error', status: error.status };
    return { kind: 'bad_request', message: String((error.error as { message?: unknown } | undefined)?.message ?? error.message) };
  }
  // A body that stops mid-stream surfaces as a plain TypeError/Error from fetch.
  return { kind: 'network' };
}

/** Logs a failed call where an admin will look: an empty account or a rejected key as errors, the rest as warnings. */
export function logModelFailure(log: Logger, failure: ModelFailure, what: string): void {
  if (failure.kind === 'quota') log.error('OpenAI reports insufficient_quota: the account behind OPENAI_API_KEY is out of credit; add credit at platform.openai.com');
  else if (failure.kind === 'auth') log.error('OpenAI rejected OPENAI_API_KEY (401/403)');
  else log.warn({ failure }, `${what} failed`);
}
