import type { ReasoningEffort, ReasoningModels } from './models.ts';

/**
 * o3 at high effort can think for minutes without sending a byte of the answer: until the first piece of
 * text, a reasoning model's stream may stay silent this long (within Discord's 15-minute interaction window,
 * leaving room for the answer itself).
 */
export const THINKING_SILENCE_MS = 5 * 60_000;

export interface OutputFields {
  max_tokens?: number;
  max_completion_tokens?: number;
  reasoning_effort?: ReasoningEffort;
}

/**
 * The output limit and effort for one chat request. Reasoning models get `max_completion_tokens` wherever they
 * are served (they refuse `max_tokens`; it bounds their hidden reasoning and the answer together) and never a
 * sampling setting; other models keep what they had: `max_completion_tokens` at OpenAI, `max_tokens` elsewhere.
 */
export function outputFields(models: ReasoningModels, model: string, maxOutputTokens: number, useMaxCompletionTokens: boolean, effort: ReasoningEffort | undefined): OutputFields {
  const profile = models.profile(model);
  if (!profile) return useMaxCompletionTokens ? { max_completion_tokens: maxOutputTokens } : { max_tokens: maxOutputTokens };
  const reasoningEffort = models.effortFor(profile, effort);
  return { max_completion_tokens: maxOutputTokens, ...(reasoningEffort ? { reasoning_effort: reasoningEffort } : {}) };
}
