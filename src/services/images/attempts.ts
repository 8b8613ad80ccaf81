import { setTimeout as sleep } from 'node:timers/promises';
import { APIError } from 'openai';
import { classifyError, type FailureContext, type ModelFailure } from '../openai/failures.ts';

/**
 * Image requests are sent with the SDK's retries off (`maxRetries: 0` on the request) and repeated by
 * this loop instead. The SDK repeats a request that timed out or whose connection dropped, but an image
 * generation that got that far may have been made and billed by OpenAI: repeating it could bill two
 * generations while the member is charged for one. Only answers that say nothing was made are repeated.
 * The request option was chosen over a fetch wrapper because the SDK's loop would still run around any
 * wrapper, and here the errors arrive already typed, with the response headers that carry retry-after.
 */

/** A 5xx this fast came before any image work began (a generation takes 10 s or more): safe to repeat. */
export const FAST_SERVER_ERROR_MS = 10_000;
/** The SDK's own back-off when the service gives no retry-after: 0.5 s doubling up to 8 s, minus up to 25 % jitter. */
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 8_000;
/** Connection errors that mean the request never left this machine: nothing can have been billed. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export interface AttemptPolicy {
  /** Repeats allowed after the first try (OPENAI_MAX_RETRIES). */
  maxRetries: number;
  /** Longest wait for one answer. */
  timeoutMs: number;
  /** Epoch ms by which every attempt and every wait must be over. */
  deadline: number;
  /** What was called, so a missing route is told apart from a missing model. */
  context?: FailureContext;
}

export type AttemptResult<T> =
  | { ok: true; value: T }
  /** `mayBeBilled`: the request reached the service and no answer came back (timeout, dropped connection). */
  | { ok: false; failure: ModelFailure; mayBeBilled: boolean };

function neverSent(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
  }
  return false;
}

/** retry-after-ms, else retry-after in seconds or as an HTTP date (as the SDK reads them). */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const backoffMs = (retry: number) => Math.min(BACKOFF_START_MS * 2 ** retry, BACKOFF_MAX_MS) * (1 - Math.random() * 0.25);

/** How long to wait before repeating, or undefined when this failure must not be repeated. */
function retryDelay(error: unknown, failure: ModelFailure, retry: number, elapsedMs: number): number | undefined {
  const headers = error instanceof APIError ? error.headers : undefined;
  if (headers?.get('x-should-retry') === 'false') return undefined;
  if (failure.kind === 'rate_limited') return retryAfterMs(headers) ?? backoffMs(retry);
  if (failure.kind === 'server_error' && elapsedMs <= FAST_SERVER_ERROR_MS) return retryAfterMs(headers) ?? backoffMs(retry);
  if (failure.kind === 'network' && neverSent(error)) return backoffMs(retry);
  return undefined;
}

/**
 * Sends one image request, repeating it only when it is safe. An attempt starts only when it has its whole
 * timeout before the deadline: one cut short would time out and be charged for an image nobody can see.
 */
export async function attemptImageRequest<T>(send: (options: { timeout: number; maxRetries: 0 }) => Promise<T>, policy: AttemptPolicy): Promise<AttemptResult<T>> {
  for (let retry = 0; ; retry++) {
    const started = Date.now();
    if (started + policy.timeoutMs > policy.deadline) return { ok: false, failure: { kind: 'timeout' }, mayBeBilled: false };
    try {
      return { ok: true, value: await send({ timeout: policy.timeoutMs, maxRetries: 0 }) };
    } catch (error) {
      const failure = classifyError(error, false, policy.context);
      const mayBeBilled = failure.kind === 'timeout' || (failure.kind === 'network' && !neverSent(error));
      const wait = mayBeBilled || retry >= policy.maxRetries ? undefined : retryDelay(error, failure, retry, Date.now() - started);
      if (wait === undefined || Date.now() + wait + policy.timeoutMs > policy.deadline) return { ok: false, failure, mayBeBilled };
      await sleep(wait);
    }
  }
}
