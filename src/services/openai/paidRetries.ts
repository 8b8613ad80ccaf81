import { APIError } from 'openai';
import type { ModelFailure } from './failures.ts';

/**
 * The rules for repeating a request OpenAI may bill (an answer, an image generation, a transcription), which run with the
 * SDK's retries off: its loop repeats a timed-out or dropped request like a 429, and one that got that far may
 * have been made and billed. Only answers that say nothing was done are repeated: a 429 (after retry-after), a
 * 5xx that came back quickly, and a connection that never opened. paidAttempts.ts is the loop that applies them.
 */

/** The SDK's own back-off when the service gives no retry-after: 0.5 s doubling up to 8 s, minus up to 25 % jitter. */
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 8_000;

/** Connection failures that mean the request never left this machine: nothing reached OpenAI, nothing was billed. */
const NEVER_SENT = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT|ERR_TLS_.*|CERT_.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/;

/** fetch refuses a port on its blocklist (the spec's "bad port", e.g. 9 or 6000) before connecting; undici gives it no code. */
const BAD_PORT = 'bad port';

/** Error codes (and fetch's code-less "bad port") anywhere in the cause chain (undici nests them, happy-eyeballs groups them in an AggregateError). */
function causeCodes(error: unknown, depth = 0): string[] {
  if (depth > 5 || typeof error !== 'object' || error === null) return [];
  const { code, cause, errors, message } = error as { code?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
  const nested = Array.isArray(errors) ? errors.flatMap((e) => causeCodes(e, depth + 1)) : [];
  const own = typeof code === 'string' ? [code] : message === BAD_PORT ? [BAD_PORT] : [];
  return [...own, ...causeCodes(cause, depth + 1), ...nested];
}

/** The request never left this machine (refused, unresolvable, TLS failed, a blocked port): repeating it can't bill twice. */
export function neverSent(error: unknown): boolean {
  return causeCodes(error).some((code) => code === BAD_PORT || NEVER_SENT.test(code));
}

/** A timeout, or a connection lost after it was made, may have reached OpenAI and been billed. */
export function mayBeBilled(error: unknown, failure: ModelFailure): boolean {
  if (failure.kind === 'timeout') return true;
  return failure.kind === 'network' && !neverSent(error);
}

/**
 * Whether a failed request may still have been done (and billed): no answer came (mayBeBilled), an answer came that
 * could not be read (a server_error without a status: a cut or garbled body), or a 5xx came later than
 * `fastServerErrorMs` (a gateway giving up while OpenAI still works). Only what the service said before any work is free.
 */
export function mayHaveBeenDone(error: unknown, failure: ModelFailure, elapsedMs: number, fastServerErrorMs: number): boolean {
  return mayBeBilled(error, failure) || (failure.kind === 'server_error' && (failure.status === undefined || elapsedMs > fastServerErrorMs));
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

/**
 * How long to wait before repeating a paid request that failed (`retry` counts repeats already made, from 0), or
 * undefined when it must not be repeated. `fastServerErrorMs`: a 5xx within this long came before any paid work began;
 * `repeatNeverSent`: whether a connection that never opened is tried again (an upload may rather report it at once).
 */
export function paidRetryDelay(
  error: unknown, failure: ModelFailure, elapsedMs: number, retry: number, rules: { fastServerErrorMs: number; repeatNeverSent: boolean },
): number | undefined {
  const headers = error instanceof APIError ? error.headers : undefined;
  if (headers?.get('x-should-retry') === 'false') return undefined;
  if (failure.kind === 'rate_limited') return retryAfterMs(headers) ?? backoffMs(retry);
  if (failure.kind === 'server_error' && error instanceof APIError && error.status !== undefined && elapsedMs <= rules.fastServerErrorMs) return retryAfterMs(headers) ?? backoffMs(retry);
  if (rules.repeatNeverSent && failure.kind === 'network' && neverSent(error)) return backoffMs(retry);
  return undefined;
}
