import type OpenAI from 'openai';
import { outputTokens } from '../reasoning/usage.ts';
import type { ChatUsage } from './chat.ts';

/**
 * Usage as a server reported it, or undefined when it left every count out (some send `usage: {}` or nulls), sent only
 * zeros (some proxies do), or sent a count that is no number. Every chat request has a prompt, so a prompt count of zero
 * (or none) is a placeholder, never a count: the prompt is left unknown for the caller's own count. An output count left
 * out is read as 0 (none counted), so the output that streamed is the caller's count; a total is kept for the caller,
 * since it may hold output the output count does not (a proxy that maps only Gemini's visible answer).
 */
export function readUsage(usage: OpenAI.CompletionUsage | null | undefined): ChatUsage | undefined {
  if (!usage) return undefined;
  const outputLeftOut = usage.completion_tokens === undefined || usage.completion_tokens === null;
  if (!outputLeftOut && !Number.isFinite(usage.completion_tokens)) return undefined;
  const completion = outputLeftOut ? 0 : usage.completion_tokens;
  const prompt = Number.isFinite(usage.prompt_tokens) && usage.prompt_tokens > 0 ? usage.prompt_tokens : undefined;
  const total = Number.isFinite(usage.total_tokens) && usage.total_tokens > 0 ? usage.total_tokens : undefined;
  if (prompt === undefined && !(completion > 0) && total === undefined) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const { completionTokens, reasoningTokens } = outputTokens({ ...usage, prompt_tokens: prompt ?? 0, completion_tokens: completion });
  // Cached tokens are part of a reported prompt; without one, none are taken as cached (the dearer reading).
  return {
    promptTokens: prompt, completionTokens, cachedTokens: prompt !== undefined && Number.isFinite(cached) ? (cached as number) : 0,
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}), ...(total !== undefined ? { totalTokens: total } : {}),
  };
}

/**
 * A later usage chunk without a prompt count keeps the one an earlier chunk of the same stream reported; one with 0
 * output tokens (a proxy's zero) keeps the earlier output count, since only the output after that one is added to it.
 */
export function latestUsage(earlier: ChatUsage | undefined, read: ChatUsage | undefined): ChatUsage | undefined {
  if (!read) return earlier;
  const output = read.completionTokens === 0 && earlier?.completionTokens
    ? { completionTokens: earlier.completionTokens, ...(earlier.reasoningTokens ? { reasoningTokens: earlier.reasoningTokens } : {}) }
    : {};
  const total = read.totalTokens ?? earlier?.totalTokens;
  const counts = { ...read, ...output, ...(total !== undefined ? { totalTokens: total } : {}) };
  if (read.promptTokens !== undefined || earlier?.promptTokens === undefined) return counts;
  return { ...counts, promptTokens: earlier.promptTokens, cachedTokens: earlier.cachedTokens };
}
