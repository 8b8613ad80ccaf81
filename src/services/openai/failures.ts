import type { Logger } from '../../logger.ts';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import {
  AUTH_WORDS, CONTEXT_MESSAGE, CONTEXT_WORDS, IMAGE_CODES, IMAGE_MESSAGE, INVALID_REQUEST_WORDS, NOT_FOUND_WORDS, QUOTA, RATE_LIMIT_MESSAGE, RATE_LIMIT_WORDS, readSignals, REFUSAL_CODES, RESPONSES_ONLY_MESSAGE, SERVER_WORDS,
  waitNamedIn, type ErrorSignals,
} from './errorSignals.ts';

/**
 * A server without an endpoint the bot uses (a 404: /moderations or /audio/transcriptions on Ollama, llama.cpp, LM
 * Studio) is asked again only after this long: meanwhile messages are not each sent, 404'd and answered the same way.
 */
export const MISSING_ROUTE_RECHECK_MS = 10 * 60_000;

/** The endpoints the bot calls whose absence on a compatible server it can explain. */
export type Endpoint = 'chat' | 'images' | 'transcription' | 'models';

/** Every way a model call can fail that the bot explains to people instead of crashing. */
export type ModelFailure =
  | { kind: 'rate_limited'; retryAfterSeconds: number | undefined }
  | { kind: 'quota' }
  | { kind: 'context_too_long' }
  | { kind: 'refused'; message: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'server_error'; status: number | undefined }
  | { kind: 'network' }
  /** The connection dropped after the request was sent and before any answer: the service may have read (and billed) it. */
  | { kind: 'dropped' }
  | { kind: 'auth' }
  /** `model`: the model asked for, when the caller said which; `setBy`: who can choose another, when the caller said. */
  | { kind: 'model_not_found'; model?: string; setBy?: ModelChooser }
  /**
   * The model exists but is served only through OpenAI's Responses API, which the bot doesn't speak (see responsesOnly.ts).
   * `setBy`: who can choose another model, as for `unpriced`.
   */
  | { kind: 'responses_only'; model?: string; setBy: ModelChooser }
  /** The server has no such route (a 404 that names no model): it does not offer this feature at all. */
  | { kind: 'endpoint_missing'; endpoint: Endpoint }
  /** `message`: what the server said (any body shape), with secrets blanked and clipped: for the log, never for a reply. */
  | { kind: 'bad_request'; message: string | undefined }
  /**
   * A chat request refused for an image it holds (a format or bytes the model can't read, or a model without image
   * input): the member can fix it, so it is said, unlike other refusals. `message`: the server's, for the log only.
   */
  | { kind: 'bad_image'; message: string | undefined }
  | { kind: 'cut_off' }
  /** Not sent: the model has no price, and UNPRICED_MODELS (on OpenAI's own API by default) says not to guess one; `setBy`: who can choose another. */
  | { kind: 'unpriced'; model: string; setBy: ModelChooser };

/**
 * Who can choose another model: a server admin (`/settings model`), the operator (VISION_MODEL, TRANSCRIBE_MODEL…),
 * or, in a direct message, the operator through DEFAULT_MODEL (no admin can set a model there).
 */
export type ModelChooser = 'admin' | 'operator' | 'dm';

/** What the caller knows about the call, so a 404 can be told apart: a missing model or a missing route. */
export interface FailureContext {
  endpoint?: Endpoint;
  model?: string;
  /** Values blanked out of any server text kept (the API key). */
  secrets?: readonly string[];
  /** A chat request carrying an image: only then is a 400 that speaks of images about the member's picture. */
  withImages?: boolean;
}

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

/** A 404 (or not_found) names a model, or the route itself is missing. Callers without an endpoint keep the old reading. */
function notFound(signals: ErrorSignals, context: FailureContext): ModelFailure {
  const { endpoint, model } = context;
  const namesModel = signals.code === 'model_not_found' || /\bmodel\b/i.test(signals.message) || (model !== undefined && model !== '' && signals.message.includes(model));
  if (namesModel || !endpoint) return model ? { kind: 'model_not_found', model } : { kind: 'model_not_found' };
  return { kind: 'endpoint_missing', endpoint };
}

/**
 * OpenAI's verdict that the model answers only through /v1/responses: its 404, or the same refusal typed
 * invalid_request_error (a relay's 400, an error event). It is remembered until restart, so a 5xx, or an answer of
 * no such type, that merely quotes the sentence (a proxy echoing an upstream error) is not taken for one.
 */
function saysResponsesOnly({ status, words, message }: ErrorSignals): boolean {
  if (!RESPONSES_ONLY_MESSAGE.test(message) || (status !== undefined && status >= 500)) return false;
  return status === 404 || INVALID_REQUEST_WORDS.test(words);
}

/** Reads everything the server said: HTTP status when there is one, else the error event's code, type and message. */
function fromSignals(signals: ErrorSignals, headers: Headers | undefined, context: FailureContext): ModelFailure {
  const { status, words, code, message } = signals;
  if (code === 'insufficient_quota' || words.includes('insufficient_quota') || QUOTA.test(message)) return { kind: 'quota' };
  if (code !== undefined && REFUSAL_CODES.has(code)) return { kind: 'refused', message: undefined };
  if (status === 429 || RATE_LIMIT_WORDS.test(words) || RATE_LIMIT_MESSAGE.test(message)) {
    const wait = signals.httpStatus ? retryAfterSeconds(headers) : undefined;
    return { kind: 'rate_limited', retryAfterSeconds: wait ?? waitNamedIn(message) };
  }
  if (status === 401 || status === 403 || AUTH_WORDS.test(words)) return { kind: 'auth' };
  if (CONTEXT_WORDS.test(words) || CONTEXT_MESSAGE.test(message)) return { kind: 'context_too_long' };
  // The model will never answer a chat request, so no repeat.
  if (saysResponsesOnly(signals)) return context.model ? { kind: 'responses_only', model: context.model, setBy: 'admin' } : { kind: 'responses_only', setBy: 'admin' };
  // A 405: the path is served for another method only (Starlette, nginx), so this route is missing all the same.
  if (status === 404 || status === 405 || NOT_FOUND_WORDS.test(words)) return notFound(signals, context);
  // A 4xx is the request's own fault whatever its type says: OpenAI types its 413 (upload too large) "server_error".
  if ((status !== undefined && status >= 500) || (status === undefined && SERVER_WORDS.test(words))) return { kind: 'server_error', status };
  if (status !== undefined && context.withImages === true && (IMAGE_CODES.has(code ?? '') || IMAGE_MESSAGE.test(message))) return { kind: 'bad_image', message };
  if (status !== undefined) return { kind: 'bad_request', message };
  // An error event nobody can read (no status, no known code or type): the server failed, the network did not.
  return /invalid_request|bad_?request|validation/.test(words) ? { kind: 'bad_request', message } : { kind: 'server_error', status: undefined };
}

/**
 * Turns whatever the SDK threw into a ModelFailure; `timedOut` says our own idle timer aborted it.
 * `context` (optional) says which endpoint and model were called, so a 404 can be explained.
 */
export function classifyError(error: unknown, timedOut: boolean, context: FailureContext = {}): ModelFailure {
  if (timedOut || error instanceof APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof APIConnectionError) return { kind: 'network' };
  // An event that is not JSON: the server sent something broken, the connection was fine.
  if (error instanceof SyntaxError) return { kind: 'server_error', status: undefined };
  // A body that stops mid-stream surfaces as a plain TypeError/Error from fetch.
  if (!(error instanceof APIError)) return { kind: 'network' };
  // Only an error the server actually sent gets read; an APIError with nothing from the server is a lost connection.
  if (error.status === undefined && error.error === undefined) return { kind: 'network' };
  return fromSignals(readSignals(error, context.secrets ?? []), error.headers, context);
}

/** Logs a failed call where the bot's host will look: an empty account or a rejected key as errors, the rest as warnings. */
export function logModelFailure(log: Logger, failure: ModelFailure, what: string): void {
  if (failure.kind === 'quota') log.error('OpenAI reports insufficient_quota: the account behind OPENAI_API_KEY is out of credit; add credit at platform.openai.com');
  else if (failure.kind === 'auth') log.error('OpenAI rejected OPENAI_API_KEY (401/403)');
  else log.warn({ failure }, `${what} failed`);
}
