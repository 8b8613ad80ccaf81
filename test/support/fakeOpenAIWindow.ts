/**
 * A chat request's fit in its model's context window, as OpenAI checks it before anything is generated. The
 * windows and output maxima are gpt-tokenizer's model data (the bot's own source too) with the few legacy snapshots
 * it has wrong, as OpenAI's deprecated-models page lists them; the prompt is counted with the model's own tokenizer.
 */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import * as knownModels from 'gpt-tokenizer/models';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { contextLengthExceeded, contextLengthRequested } from './fakeOpenAIErrors.ts';
import { isFakeReasoningModel } from './fakeOpenAIReasoning.ts';
import { imagePartTokens } from './fakeOpenAIVision.ts';

/** Used for a model neither table knows (a test's own name, a local model). */
export const UNKNOWN_MODEL_WINDOW = 128_000;

interface Limits {
  context_window?: number;
  max_output_tokens?: number;
}
const table = knownModels as unknown as Record<string, Limits | undefined>;

/** Snapshots gpt-tokenizer gives the 16k window of the later gpt-3.5-turbo (OpenAI's page: 4,096 for these). */
const LEGACY: Record<string, Limits> = {
  'gpt-3.5-turbo-0301': { context_window: 4096, max_output_tokens: 4096 },
  'gpt-3.5-turbo-0613': { context_window: 4096, max_output_tokens: 4096 },
  'gpt-3.5-turbo-16k': { context_window: 16_385, max_output_tokens: 4096 },
};

/** `ft:gpt-4o-mini-2024-07-18:org::id` has its base's limits. */
function limitsOf(model: string): Limits | undefined {
  const name = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  return LEGACY[name] ?? (Object.hasOwn(table, name) ? table[name] : undefined);
}

export function knownContextWindow(model: string): number | undefined {
  return limitsOf(model)?.context_window;
}

export function knownMaxOutputTokens(model: string): number | undefined {
  return limitsOf(model)?.max_output_tokens;
}

/** OpenAI's chat models before GPT-4o count with cl100k; the rest (and other servers' names) with o200k here. */
const CL100K = /^(ft:)?(gpt-3\.5|gpt-4(-32k|-turbo|-\d{4}|-vision)?($|-|:))/;

/** Framing OpenAI adds per message, per name and to prime the reply (OpenAI cookbook, "How to count tokens"). */
const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMER = 3;

/** Text counted as text: a message spelling `<|endoftext|>` is not refused, it is counted as what it says. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The prompt's tokens: `exact` counts with the model's tokenizer; otherwise each text's UTF-8 bytes, which no
 * tokenizer exceeds (a cheap bound: most requests fit by far and need no tokenizer at all).
 */
function promptTokens(body: ChatCompletionCreateParams, exact: boolean): number {
  const cl100k = CL100K.test(body.model);
  const count = (text: string): number => (exact ? (cl100k ? countCl100k(text, AS_TEXT) : countO200k(text, AS_TEXT)) : Buffer.byteLength(text));
  let tokens = REPLY_PRIMER;
  for (const m of body.messages) {
    tokens += PER_MESSAGE;
    if ('name' in m && typeof m.name === 'string') tokens += PER_NAME + count(m.name);
    if (typeof m.content === 'string') tokens += count(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'text') tokens += count(part.text);
        else if (part.type === 'refusal') tokens += count(part.refusal);
        else if (part.type === 'image_url') tokens += imagePartTokens(body.model, part as unknown as Record<string, unknown>);
        else tokens += 85;
      }
    }
    if (m.role === 'assistant' && m.tool_calls) tokens += count(JSON.stringify(m.tool_calls));
  }
  if (body.tools) tokens += count(JSON.stringify(body.tools));
  return tokens;
}

/**
 * OpenAI's 400 `context_length_exceeded` for a request that doesn't fit its model's window: the prompt alone
 * ("your messages resulted in"), or, for a model that isn't a reasoning one, the prompt plus the output limit it
 * asks for (`max_tokens` / `max_completion_tokens` reserve that room: "you requested … in the completion"). A
 * reasoning model's output limit is only a budget its thinking and answer stop at, never checked against the window.
 * `scripted`: a test's own prompt count (a reply's `usage.prompt_tokens`) in place of the fake's.
 */
export function checkContextWindow(body: ChatCompletionCreateParams, window: number, scripted?: number): void {
  const field = body.max_completion_tokens ?? body.max_tokens;
  const completion = typeof field === 'number' && !isFakeReasoningModel(body.model) ? field : 0;
  if (scripted === undefined && promptTokens(body, false) + completion <= window) return;
  const prompt = scripted ?? promptTokens(body, true);
  if (prompt + completion <= window) return;
  throw completion > 0 ? contextLengthRequested(window, prompt, completion) : contextLengthExceeded(window, prompt);
}
