/**
 * Shared shapes of the pricing table. Every amount is an integer number of
 * micro-dollars (1 USD = 1,000,000) so that sums in the SQLite ledger are exact.
 */

/** Chat rates in micro-dollars per 1M tokens. Cached input is the discounted rate for prompt-cache hits. */
export interface ChatRates {
  input: number;
  cachedInput: number;
  output: number;
  /** Billed once per request on top of the tokens, in micro-dollars: the web search a search model runs on every call. */
  perRequest?: number;
}

/**
 * OpenAI's long-context rule, as its model pages write it: a request whose prompt has more than `aboveInputTokens`
 * input tokens is billed, all of it (input, cached input and output), at these multiples of the base rates.
 */
export interface LongContextRule {
  aboveInputTokens: number;
  inputMultiplier: number;
  cachedInputMultiplier: number;
  outputMultiplier: number;
}

/** A request's rates once its prompt passed `aboveInputTokens`, in micro-dollars per 1M tokens. */
export interface LongContextTier extends ChatRates {
  aboveInputTokens: number;
}

/** A chat price: base rates, and the long-context tier for the models that have one. */
export interface ChatPrice extends ChatRates {
  longContext?: LongContextTier;
}

/** A chat table row; the limits override gpt-tokenizer's where it is wrong or silent (legacy and local models). */
export interface ChatEntry extends ChatRates {
  contextWindow?: number;
  maxOutputTokens?: number;
  longContext?: LongContextRule;
  /** OpenAI's regional (data residency) endpoints bill this model at its rates times this (gpt-5.4: 1.1). */
  regionalUplift?: number;
}

/** A token-billed transcription model, in micro-dollars per 1M tokens of each kind. */
export interface AudioTokenPrice {
  audioInput: number;
  textInput: number;
  output: number;
}

/** What a token-billed transcription reports (`usage.type === "tokens"`). */
export interface AudioTokenUsage {
  audioTokens: number;
  textTokens: number;
  outputTokens: number;
}

/** model → size (e.g. `1024x1024`) → quality (e.g. `hd`) → micro-dollars per image. */
export type ImageTable = Record<string, Record<string, Record<string, number>>>;

/**
 * Entries that replace or add to the built-in table (from `PRICING_FILE`, already in micro-dollars).
 * Fine-tuned chat prices live in `chat` under `ft:<base model>`, e.g. `ft:gpt-4o-mini`.
 */
export interface PricingOverrides {
  chat?: Record<string, ChatEntry>;
  images?: ImageTable;
  /** micro-dollars per minute of audio */
  audio?: Record<string, number>;
  /** token-billed transcription models, micro-dollars per 1M tokens */
  audioTokens?: Record<string, AudioTokenPrice>;
  /** micro-dollars per 1M tokens */
  embeddings?: Record<string, number>;
  /** micro-dollars per 1M trained tokens */
  fineTuningTraining?: Record<string, number>;
  fallbackChat?: ChatPrice;
}

/** Where a chat price came from: a PRICING_FILE entry, our table, gpt-tokenizer's data, or the fallback. */
export type ChatPriceSource = 'override' | 'builtin' | 'gpt-tokenizer' | 'fallback';

export interface ChatResolution {
  /** the name that was asked for */
  model: string;
  /** false when nothing matched and the fallback price was used: callers log that once */
  known: boolean;
  source: ChatPriceSource;
  /** the table key that priced it, e.g. `gpt-4o-mini` for `gpt-4o-mini-2024-07-18`, or `fallback` */
  resolvedFrom: string;
  price: ChatPrice;
}

/** A non-chat lookup: a price, or why there is none (so /imagine can tell the user what is valid). */
export type PriceLookup =
  | { known: true; micros: number; resolvedFrom: string }
  | { known: false; reason: 'unknown-model' | 'unknown-size' | 'unknown-quality'; message: string };

export interface ChatUsage {
  /** all prompt tokens, cached ones included (as the API reports `prompt_tokens`) */
  promptTokens: number;
  /** the part of promptTokens served from the prompt cache */
  cachedTokens?: number;
  completionTokens: number;
}

export interface ImageOptions {
  sizes: string[];
  /** every quality priced for at least one size; imagePrice() rejects a pair that is not priced */
  qualities: string[];
}
