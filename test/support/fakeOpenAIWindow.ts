/**
 * A chat request's fit in its model's context window, as OpenAI checks it before anything is generated. The
 * windows and output maxima are gpt-tokenizer's model data (the bot's own source too) with the few legacy snapshots
 * it has wrong, as OpenAI's deprecated-models page lists them; the prompt is counted with the model's own tokenizer.
 */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import * as knownModels from 'gpt-tokenizer/models';
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
type Count = (text: string) => number;

/**
 * The two tokenizers, each loaded at its first use (see `loadTokenizerFor`): gpt-tokenizer's encodings take tens of
 * MB and a few hundred ms to load, which every test file importing the fake would pay (and carry in its heap) for the
 * few requests that need them.
 */
const loaded: { cl100k?: Count; o200k?: Count } = {};
const encodingOf = (model: string): 'cl100k' | 'o200k' => (CL100K.test(model) ? 'cl100k' : 'o200k');

/** Loads the model's tokenizer if the request may need it (its prompt in bytes doesn't fit by far), so the check stays synchronous. */
export async function loadTokenizerFor(body: ChatCompletionCreateParams, window: number): Promise<void> {
  const name = encodingOf(body.model);
  if (loaded[name] || promptTokens(body, BYTES) + outputLimit(body) <= window) return;
  const { countTokens } = name === 'cl100k' ? await import('gpt-tokenizer/encoding/cl100k_base') : await import('gpt-tokenizer/encoding/o200k_base');
  loaded[name] = (text) => countTokens(text, AS_TEXT);
}

/** The output limit the request reserves in the window: none for a reasoning model (see checkContextWindow). */
function outputLimit(body: ChatCompletionCreateParams): number {
  const field = body.max_completion_tokens ?? body.max_tokens;
  return typeof field === 'number' && !isFakeReasoningModel(body.model) ? field : 0;
}

/** At least as many as any tokenizer counts: a token is at least one UTF-8 byte. */
const BYTES: Count = (text) => Buffer.byteLength(text);

/** The prompt's tokens with `count` for its texts, framing and images added as OpenAI counts them. */
function promptTokens(body: ChatCompletionCreateParams, count: Count): number {
  let tokens = REPLY_PRIMER;
  for (const m of body.messages) {
    tokens += PER_MESSAGE;
    if ('name' in m && typeof m.name === 'string') tokens += PER_NAME + count(m.name);
    if (typeof m.content === 'string') tokens += count(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'text') tokens += count(part.text);
        else if (part.type === 'refusal') tokens += count(part.refusal);
        else if (part.type === 'image_url') tokens += imagePartTokens(body.model, part as unknown as Record<string, unknown>, true);
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
 * `scripted`: a test's own prompt count (a reply's `usage.prompt_tokens`) in place of the fake's. Synchronous, so
 * that no other request takes the scripted reply this one looked at meanwhile.
 */
export function checkContextWindow(body: ChatCompletionCreateParams, window: number, scripted?: number): void {
  const completion = outputLimit(body);
  // Most requests fit by far even counted in bytes, and need no tokenizer.
  if (scripted === undefined && promptTokens(body, BYTES) + completion <= window) return;
  const count = loaded[encodingOf(body.model)];
  if (scripted === undefined && !count) throw new Error('FakeOpenAI: loadTokenizerFor(body) must run before checkContextWindow');
  const prompt = scripted ?? promptTokens(body, count!);
  if (prompt + completion <= window) return;
  throw completion > 0 ? contextLengthRequested(window, prompt, completion) : contextLengthExceeded(window, prompt);
}
