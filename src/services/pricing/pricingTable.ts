/**
 * The one pricing table every OpenAI call is priced from (ARCHITECTURE.md, "Money"):
 * built-in prices, replaced or extended by PRICING_FILE overrides. Built once at start-up.
 */
import { BUILTIN_CHAT, DEFAULT_FALLBACK_MODEL } from './builtinPrices.ts';
import { BUILTIN_AUDIO, BUILTIN_AUDIO_TOKENS, BUILTIN_EMBEDDINGS, BUILTIN_IMAGE_PROMPT_TEXT, BUILTIN_IMAGES, BUILTIN_TRAINING } from './builtinMedia.ts';
import { ChatPricing } from './chatPricing.ts';
import { fineTuneBase, lookup } from './modelNames.ts';
import { audioCost, audioTokenCost, imageOptions, imagePrice, tokenCost, unitPrice } from './mediaPricing.ts';
import type { AudioTokenPrice, AudioTokenUsage, ChatEntry, ChatPrice, ChatResolution, ChatUsage, ImageOptions, ImageTable, LongContextRule, PriceLookup, PricingOverrides } from './types.ts';

export interface PricingOptions {
  /** From loadPricingFile(PRICING_FILE); replaces or adds entries. */
  overrides?: PricingOverrides;
  /** Price for models nothing matches (e.g. a local `llama3.1:8b`). Wins over the file's `fallbackChat`; default: gpt-4o's. */
  fallbackChat?: ChatPrice;
  /** OPENAI_BASE_URL is one of OpenAI's regional (data residency) endpoints, which bill some models more. */
  regionalProcessing?: boolean;
}

export interface Pricing {
  /** Which entry prices a model; `known: false` means the fallback was used (log it once). */
  resolveChat(model: string): ChatResolution;
  /**
   * Integer micro-dollars, rounded up; cachedTokens are part of promptTokens; the long-context tier by usage.promptTokens,
   * or by `tierPromptTokens` when larger (a charge from the bot's own count settles at the tier its reservation chose).
   */
  chatCost(model: string, usage: ChatUsage, tierPromptTokens?: number): number;
  /** Reservation before a call: full prompt at the uncached rate plus every allowed output token (long-context tier by promptTokens). */
  chatWorstCase(model: string, promptTokens: number, maxOutputTokens: number): number;
  contextWindow(model: string): number | undefined;
  maxOutputTokens(model: string): number | undefined;
  /** Per image; without a quality, the dearest quality at that size. */
  imagePrice(model: string, size: string, quality?: string): PriceLookup;
  /** Valid sizes and qualities, for validating /imagine; undefined for a model without image prices. */
  imageOptions(model: string): ImageOptions | undefined;
  audioPricePerMinute(model: string): PriceLookup;
  /** Seconds rounded up to whole seconds, priced pro rata, rounded up to a micro-dollar. */
  audioCost(model: string, seconds: number): PriceLookup;
  embeddingCost(model: string, tokens: number): PriceLookup;
  /** Token prices of a token-billed transcription model (gpt-4o-transcribe), if it has them. */
  audioTokenPrice(model: string): AudioTokenPrice | undefined;
  /** What a token-billed transcription cost, from the usage it reported. */
  audioTokenCost(model: string, usage: AudioTokenUsage): PriceLookup;
  /** The prompt's text tokens of an image request (gpt-image bills them; 0 for models that don't). */
  imagePromptCost(model: string, tokens: number): number;
  /** Training a fine-tune: tokens in the training file × epochs. */
  trainingCost(model: string, trainedTokens: number): PriceLookup;
}

const toMap = <T>(...tables: Array<Record<string, T> | undefined>): Map<string, T> =>
  new Map(tables.flatMap((table) => Object.entries(table ?? {})));

/** Image overrides merge per price: overriding dall-e-3 1024x1024 hd keeps the other sizes and qualities. */
function mergeImages(base: ImageTable, extra: ImageTable | undefined): ImageTable {
  const merged: ImageTable = {};
  for (const table of [base, extra ?? {}]) {
    for (const [model, sizes] of Object.entries(table)) {
      const target = (merged[model] ??= {});
      for (const [size, byQuality] of Object.entries(sizes)) target[size] = { ...target[size], ...byQuality };
    }
  }
  return merged;
}

export function createPricing(options: PricingOptions = {}): Pricing {
  const overrides = options.overrides ?? {};
  const chatTable = toMap<ChatEntry>(BUILTIN_CHAT, overrides.chat);
  const fallbackEntry = chatTable.get(DEFAULT_FALLBACK_MODEL) as ChatEntry;
  const fallback = options.fallbackChat ?? overrides.fallbackChat ?? {
    input: fallbackEntry.input,
    cachedInput: fallbackEntry.cachedInput,
    output: fallbackEntry.output,
  };
  const builtinRules = new Map(Object.entries(BUILTIN_CHAT).flatMap(([model, entry]): Array<[string, LongContextRule]> => (entry.longContext ? [[model, entry.longContext]] : [])));
  const chat = new ChatPricing(chatTable, new Set(Object.keys(overrides.chat ?? {})), fallback, builtinRules, options.regionalProcessing);
  const images = new Map(Object.entries(mergeImages(BUILTIN_IMAGES, overrides.images)));
  const audio = toMap(BUILTIN_AUDIO, overrides.audio);
  const audioTokens = toMap<AudioTokenPrice>(BUILTIN_AUDIO_TOKENS, overrides.audioTokens);
  const embeddings = toMap(BUILTIN_EMBEDDINGS, overrides.embeddings);
  const training = toMap(BUILTIN_TRAINING, overrides.fineTuningTraining);
  const imagePromptText = toMap(BUILTIN_IMAGE_PROMPT_TEXT, undefined);

  return {
    resolveChat: (model) => chat.resolve(model),
    chatCost: (model, usage, tierPromptTokens) => chat.cost(model, usage, tierPromptTokens),
    chatWorstCase: (model, promptTokens, maxOutput) => chat.worstCase(model, promptTokens, maxOutput),
    contextWindow: (model) => chat.contextWindow(model),
    maxOutputTokens: (model) => chat.maxOutputTokens(model),
    imagePrice: (model, size, quality) => imagePrice(images, model, size, quality),
    imageOptions: (model) => imageOptions(images, model),
    audioPricePerMinute: (model) => unitPrice(audio, 'audio', model),
    audioCost: (model, seconds) => audioCost(unitPrice(audio, 'audio', model), seconds),
    audioTokenPrice: (model) => lookup(audioTokens, fineTuneBase(model) ?? model)?.value,
    audioTokenCost: (model, usage) => audioTokenCost(audioTokens, model, usage),
    embeddingCost: (model, tokens) => tokenCost(unitPrice(embeddings, 'embedding', model), tokens),
    imagePromptCost: (model, tokens) => {
      const cost = tokenCost(unitPrice(imagePromptText, 'image prompt', model), tokens);
      return cost.known ? cost.micros : 0;
    },
    trainingCost: (model, tokens) => tokenCost(unitPrice(training, 'fine-tuning training', model), tokens),
  };
}
