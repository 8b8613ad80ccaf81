import { APIError } from 'openai';
import { redactSecrets } from './errorBodies.ts';

/** What a server said about a failure, from the HTTP status or, inside a stream, from the error event alone. */
export interface ErrorSignals {
  /** The HTTP status; inside a stream (status 200 already sent) a numeric `code` such as vLLM's 400 or LiteLLM's "429". */
  status: number | undefined;
  /** True when the status came from HTTP, so the response headers (retry-after) belong to this error. */
  httpStatus: boolean;
  /** `code` and `type` together, lower case, for matching words such as rate_limit or not_found. */
  words: string;
  code: string | undefined;
  message: string;
}

function messageOf(error: APIError): string {
  const body: unknown = error.error;
  if (typeof body === 'string') return body; // `data: {"error": "…"}` as a string
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return error.message;
}

export function readSignals(error: APIError, secrets: readonly string[]): ErrorSignals {
  const rawCode = error.code as unknown;
  const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : undefined;
  const numeric = code !== undefined && /^[1-5]\d\d$/.test(code) ? Number(code) : undefined;
  const type = typeof error.type === 'string' ? error.type : '';
  return {
    status: error.status ?? numeric,
    httpStatus: error.status !== undefined,
    words: `${code ?? ''} ${type}`.toLowerCase(),
    code: code?.toLowerCase(),
    message: redactSecrets(messageOf(error), secrets),
  };
}

/** Rate-limit words across servers: OpenAI's rate_limit_exceeded, LiteLLM's RateLimitError, proxies' "Too Many Requests". */
export const RATE_LIMIT_WORDS = /rate_?limit|ratelimit|too_many_requests/;
export const RATE_LIMIT_MESSAGE = /rate limit|too many requests/i;
export const QUOTA = /insufficient_quota|exceeded your current quota/i;
/** Context overflow as OpenAI and vLLM ("maximum context length"), llama.cpp ("exceeds the available context size") word it. */
export const CONTEXT_WORDS = /context_length_exceeded|exceed_context_size/;
export const CONTEXT_MESSAGE = /maximum context length|context length exceeded|exceeds the available context size|context window|prompt is too long/i;
export const AUTH_WORDS = /authentication|permission|invalid_api_key|unauthorized|forbidden/;
export const NOT_FOUND_WORDS = /not_?found/;
/** OpenAI's answer to a chat request for a model it serves only through /v1/responses (a 404; relays may add a slash). */
export const RESPONSES_ONLY_MESSAGE = /\bonly supported in \/?(v1\/)?responses\b/i;
/** The error type OpenAI gives a request it refuses as such (a relay may keep it while changing the 404 to a 400). */
export const INVALID_REQUEST_WORDS = /\binvalid_request_error\b/;
export const SERVER_WORDS = /server_error|internal|unavailable|overloaded|api_error|timeout/;
/** OpenAI's codes for an image in a chat request it can't use: its format or bytes, or an address it couldn't download. */
export const IMAGE_CODES = new Set(['invalid_image', 'invalid_image_format', 'invalid_image_url', 'image_parse_error']);
/**
 * The same in words, as OpenAI ("You uploaded an unsupported image", "does not represent a valid image") and compatible
 * servers ("image_url is only supported by certain models", "Failed to load image") put it.
 */
export const IMAGE_MESSAGE = /\b(?:unsupported|invalid) image\b|\bvalid image\b|\bimage_url\b|\b(?:load|decode|read|process) (?:the )?image\b/i;
/** Safety refusals: DALL·E's content_policy_violation, gpt-image's moderation_blocked, chat's content_filter. */
export const REFUSAL_CODES = new Set(['content_policy_violation', 'moderation_blocked', 'content_filter']);

/** "Please try again in 1.5s" / "in 20ms": the wait a rate-limit message names, in whole seconds. */
export function waitNamedIn(message: string): number | undefined {
  const match = /try again in ([\d.]+)\s*(ms|s)\b/i.exec(message);
  if (!match) return undefined;
  const seconds = Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
  return Number.isFinite(seconds) && seconds > 0 ? Math.max(1, Math.ceil(seconds)) : undefined;
}
