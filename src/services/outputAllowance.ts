/**
 * How much output one chat request may ask of a model (its answer and, for a reasoning model, its hidden thinking):
 * one rule for /ask, mentions, threads and /translate, so a model with a small window or a small output maximum
 * still answers instead of leaving no room for the question.
 */

/** A system prompt, a question and the reply's framing need at least this much of a window (half of a window under twice it). */
export const PROMPT_ROOM_TOKENS = 1024;

export interface OutputLimits {
  /** The model's context window: the prompt and the output share it. */
  contextWindow(model: string): number;
  /** The model's own most output per request, when known: OpenAI refuses a larger `max_completion_tokens`. */
  maxOutputTokens(model: string): number | undefined;
}

/** `wanted`, within the model's own output maximum, leaving room for a prompt in its window (never below 1). */
export function outputAllowanceWithin(wanted: number, contextWindow: number, maxOutputTokens: number | undefined): number {
  const promptRoom = Math.min(PROMPT_ROOM_TOKENS, Math.floor(contextWindow / 2));
  return Math.max(1, Math.min(wanted, maxOutputTokens ?? wanted, contextWindow - promptRoom));
}
