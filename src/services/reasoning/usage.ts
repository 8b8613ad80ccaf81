/** The usage counts a chat response reports, as far as reasoning changes how they are read. */
interface ReportedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/**
 * Output tokens the service billed, and how many of them were reasoning. OpenAI counts reasoning tokens inside
 * `completion_tokens` (total = prompt + completion), so they are charged once, as output, with the answer.
 * A server whose total adds them on top (Gemini's OpenAI-compatible API does) reports them apart: then both
 * are charged; so are reasoning tokens more than `completion_tokens` could hold, whatever the total says.
 */
export function outputTokens(usage: ReportedUsage): { completionTokens: number; reasoningTokens: number } {
  const reported = usage.completion_tokens_details?.reasoning_tokens;
  const reasoningTokens = typeof reported === 'number' && Number.isFinite(reported) && reported > 0 ? reported : 0;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage;
  // More reasoning than completion_tokens can hold is never inside it, whatever total_tokens says (the dearer reading).
  const apart = reasoningTokens > 0 && (reasoningTokens > completion || total === prompt + completion + reasoningTokens);
  return { completionTokens: apart ? completion + reasoningTokens : completion, reasoningTokens };
}
