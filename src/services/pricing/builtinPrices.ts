/**
 * Our own chat prices, written in USD per 1M tokens (as published) and converted once to micro-dollars.
 *
 * Why this table wins over gpt-tokenizer's `price_data` (checked against gpt-tokenizer 4.0.0):
 *  - the tutorial's legacy names must cost what the tutorial lists (the issue asks for that);
 *  - gpt-tokenizer has no price at all for gpt-4o-mini, gpt-4.1-mini/-nano, gpt-5-mini/-nano, o3-mini, o4-mini;
 *  - it gives $10/$30 per 1M (gpt-4-turbo's price) for gpt-4o, gpt-4.1, gpt-5, o1-mini, o1-preview,
 *    and $15/$60 for o3: off by up to 8x, and o1-preview (really $15/$60) would be under-charged;
 *  - it never has `cached_input`.
 * gpt-tokenizer's prices (unit verified: gpt-4 is 30/60 per 1M = the tutorial's $0.03/$0.06 per 1K)
 * still price what is not listed here; see tokenizerPrices.ts.
 * Source of non-tutorial rows: OpenAI's pricing page (platform.openai.com/docs/pricing), standard tier; rows added
 * later name the OpenAI page they were read from. A model no OpenAI page priced stays out (UNPRICED_MODELS).
 */
import type { ChatEntry, LongContextRule } from './types.ts';
import { usdToMicros } from './units.ts';

type Limits = Pick<ChatEntry, 'contextWindow' | 'maxOutputTokens' | 'longContext' | 'regionalUplift'>;

/** USD per 1M tokens → entry in micro-dollars. */
function usd(input: number, cachedInput: number, output: number, limits: Limits = {}): ChatEntry {
  return { input: usdToMicros(input), cachedInput: usdToMicros(cachedInput), output: usdToMicros(output), ...limits };
}

/**
 * developers.openai.com/api/docs/models/gpt-5.4 (and gpt-5.4-pro): "For models with a 1.05M context window (GPT-5.4
 * and GPT-5.4 pro), prompts with >272K input tokens are priced at 2x input and 1.5x output for the full session".
 * The page doesn't say what cached input costs then: assumed 2x like input, since a cache hit is part of the input.
 */
const OVER_272K: LongContextRule = { aboveInputTokens: 272_000, inputMultiplier: 2, cachedInputMultiplier: 2, outputMultiplier: 1.5 };

/**
 * developers.openai.com/api/docs/models/gpt-5.4: "Regional processing (data residency) endpoints are charged a 10%
 * uplift for GPT-5.4 and GPT-5.4 pro" (eu.api.openai.com and the others).
 */
const REGIONAL_UPLIFT = 1.1;

/** A model that runs a web search on every request, billed per call on top of its tokens (USD per call). */
const searching = (entry: ChatEntry, usdPerCall: number): ChatEntry => ({ ...entry, perRequest: usdToMicros(usdPerCall) });

/** Legacy models had no prompt cache: cached input costs the full input price. */
const noCache = (input: number, output: number, limits?: Limits): ChatEntry => usd(input, input, output, limits);

/** The tutorial's tables (per 1K tokens there; ×1000 gives per 1M). */
export const TUTORIAL_CHAT: Readonly<Record<string, ChatEntry>> = {
  // Tutorial, GPT-3.5 Turbo 4K: input $0.0015/1K; output printed as "$0.02/1K", a typo for OpenAI's
  // published $0.002/1K (10x the 16K model's $0.004 would make no sense). We charge $0.002/1K.
  'gpt-3.5-turbo': noCache(1.5, 2),
  // The 4K snapshots the tutorial describes; gpt-tokenizer says 16,385 tokens for 0613, which is the 16K model.
  'gpt-3.5-turbo-0301': noCache(1.5, 2, { contextWindow: 4096, maxOutputTokens: 4096 }),
  'gpt-3.5-turbo-0613': noCache(1.5, 2, { contextWindow: 4096, maxOutputTokens: 4096 }),
  // Tutorial, GPT-3.5 Turbo 16K: $0.003/1K in, $0.004/1K out.
  'gpt-3.5-turbo-16k': noCache(3, 4, { contextWindow: 16385, maxOutputTokens: 4096 }),
  // Tutorial, GPT-4: 8K $0.03/$0.06 per 1K, 32K $0.06/$0.12 per 1K.
  'gpt-4': noCache(30, 60),
  'gpt-4-32k': noCache(60, 120),
  // Tutorial, "Fine-tuning models" usage: $0.012/1K in, $0.016/1K out (fine-tuned gpt-3.5-turbo), OpenAI's launch price
  // (https://openai.com/blog/gpt-3-5-turbo-fine-tuning-and-api-updates, 2023-08-22: 8× the base model's rates). What
  // OpenAI bills for it today could not be read on its own pricing page from here (https://developers.openai.com/api/docs/pricing,
  // "Fine-tuning": not in the stored copies; its model page, https://developers.openai.com/api/docs/models/gpt-3.5-turbo,
  // lists only the base model's $0.50 / $1.50). Other sites quote a later cut to $3 / $6 per 1M; unconfirmed by OpenAI,
  // the higher figure stays, so no answer is charged below its bill (a PRICING_FILE `ft:gpt-3.5-turbo` entry replaces it).
  // No prompt cache: cached input costs the full input price.
  'ft:gpt-3.5-turbo': noCache(12, 16),
};

/** Current and recent models, and snapshots whose price differs from their base name's. */
export const CURRENT_CHAT: Readonly<Record<string, ChatEntry>> = {
  'gpt-3.5-turbo-0125': noCache(0.5, 1.5),
  'gpt-3.5-turbo-1106': noCache(1, 2),
  'gpt-4o': usd(2.5, 1.25, 10),
  'gpt-4o-2024-05-13': noCache(5, 15),
  'gpt-4o-mini': usd(0.15, 0.075, 0.6),
  // Chat Completions' search models search the web on every request: $35 and $27.50 per 1,000 calls at the default
  // (medium) search context, besides their tokens (gpt-tokenizer lists the first at $10/$30 and no search at all).
  'gpt-4o-search-preview': searching(noCache(2.5, 10), 0.035),
  'gpt-4o-mini-search-preview': searching(noCache(0.15, 0.6), 0.0275),
  'gpt-4.1': usd(2, 0.5, 8),
  'gpt-4.1-mini': usd(0.4, 0.1, 1.6),
  'gpt-4.1-nano': usd(0.1, 0.025, 0.4),
  'gpt-4.5-preview': usd(75, 37.5, 150),
  'gpt-5': usd(1.25, 0.125, 10),
  'gpt-5-chat-latest': usd(1.25, 0.125, 10),
  'gpt-5-mini': usd(0.25, 0.025, 2),
  'gpt-5-nano': usd(0.05, 0.005, 0.4),
  'gpt-5.1': usd(1.25, 0.125, 10),
  'gpt-5.1-chat-latest': usd(1.25, 0.125, 10),
  'gpt-5.1-codex': usd(1.25, 0.125, 10),
  'gpt-5.1-codex-max': usd(1.25, 0.125, 10),
  'gpt-5.1-codex-mini': usd(0.25, 0.025, 2),
  'gpt-5.2': usd(1.75, 0.175, 14),
  'gpt-5.2-chat-latest': usd(1.75, 0.175, 14),
  // https://developers.openai.com/api/docs/models/gpt-5.4: input $2.50, cached input $0.25, output $15.00 per 1M;
  // 1,050,000 context window and 128,000 max output tokens, as gpt-tokenizer 4.0.0 has them. Its snapshot
  // gpt-5.4-2026-03-05 is priced by this row (modelNames.ts).
  'gpt-5.4': usd(2.5, 0.25, 15, { longContext: OVER_272K, regionalUplift: REGIONAL_UPLIFT }),
  // The -pro models answer only through the Responses API (refused for chat: openai/responsesOnly.ts), priced all the same.
  'gpt-5-pro': noCache(15, 120),
  'gpt-5.2-pro': noCache(21, 168),
  'codex-mini-latest': usd(1.5, 0.375, 6),
  o1: usd(15, 7.5, 60),
  'o1-preview': usd(15, 7.5, 60),
  'o1-mini': usd(1.1, 0.55, 4.4),
  'o1-pro': noCache(150, 600),
  o3: usd(2, 0.5, 8),
  'o3-mini': usd(1.1, 0.55, 4.4),
  'o3-pro': noCache(20, 80),
  'o4-mini': usd(1.1, 0.275, 4.4),
  // Fine-tuned models are billed above their base: input, cached input and output per 1M, as OpenAI's pricing page
  // lists them under "Fine-tuning" (https://platform.openai.com/docs/pricing, now https://developers.openai.com/api/docs/pricing;
  // that section is not in the stored copies this table was last checked against, 2026-12: the figures stay as read
  // there before, the only ones known for these bases, none lower. gpt-4o-mini's and gpt-4o's match what
  // https://tokonomics.ca/blog/llm-fine-tuning-costs-guide quotes from it, 2026-06).
  'ft:gpt-4o-mini': usd(0.3, 0.15, 1.2),
  'ft:gpt-4o': usd(3.75, 1.875, 15),
  'ft:gpt-4.1': usd(3, 0.75, 12),
  'ft:gpt-4.1-mini': usd(0.8, 0.2, 3.2),
  'ft:gpt-4.1-nano': usd(0.2, 0.05, 0.8),
  // o4-mini tuned by reinforcement fine-tuning: about 3.6× the base model's rates (same page). OpenAI halves them for a
  // model trained with data sharing on; the bot can't tell which it is, so the higher rates apply.
  'ft:o4-mini': usd(4, 1, 16),
};

export const BUILTIN_CHAT: Readonly<Record<string, ChatEntry>> = { ...CURRENT_CHAT, ...TUTORIAL_CHAT };

/** Unknown models cost what gpt-4o costs: high enough that a budget is not blown by a cheap guess. */
export const DEFAULT_FALLBACK_MODEL = 'gpt-4o';
