import * as knownModels from 'gpt-tokenizer/models';
import { BpeCounter, type EncodingName } from './bpeCount.ts';
import { fineTuneBase, nameCandidates } from './pricing/modelNames.ts';

type CountTokens = (text: string) => number;
const encodings: { o200k?: CountTokens; cl100k?: CountTokens } = {};
/**
 * The two encodings take a few MB and a few tens of ms to load (see bpeCount.ts): loaded at first use instead
 * of at start-up, and `preloadTokenizers` (run right after READY) makes that first use happen before any question.
 * Synchronous, so that a count can load them.
 */
function load(name: EncodingName): CountTokens {
  return counting(BpeCounter.load(name));
}
const counting = (counter: BpeCounter): CountTokens => (text) => counter.count(text);
const countO200k: CountTokens = (text) => (encodings.o200k ??= load('o200k_base'))(text);
const countCl100k: CountTokens = (text) => (encodings.cl100k ??= load('cl100k_base'))(text);

/**
 * Longest stretch of loading between two turns of the event loop: an interaction arriving right after READY
 * waits at most this long for its acknowledgement (one encoding in one go takes 45–110 ms, 350 ms on a busy host).
 */
export const PRELOAD_SLICE_MS = 3;

/**
 * Loads both encodings in slices of PRELOAD_SLICE_MS, unless a count needed one first (it then loaded it at once).
 * One already loaded (by a count, or an earlier start in this process) is not read again.
 */
export async function preloadTokenizers(): Promise<void> {
  if (!encodings.o200k) {
    const o200k = await BpeCounter.loadInSlices('o200k_base', PRELOAD_SLICE_MS);
    encodings.o200k ??= counting(o200k);
  }
  if (!encodings.cl100k) {
    const cl100k = await BpeCounter.loadInSlices('cl100k_base', PRELOAD_SLICE_MS);
    encodings.cl100k ??= counting(cl100k);
  }
}

/** Framing tokens the chat format adds around every message (role, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Tokens that prime the assistant's reply in every request. */
export const REPLY_PRIMER_TOKENS = 3;
/** Our count of a prompt can differ from the service's by a few percent (framing, tokenizer versions): reservations add this. */
export const PROMPT_COUNT_MARGIN = 1.1;
/** Other servers' tokenizers (Llama, Qwen, Mistral) count up to about a quarter more than OpenAI's for the same text. */
export const UNKNOWN_MODEL_TOKEN_SAFETY = 1.25;

interface ModelFacts {
  context_window?: number;
  max_output_tokens?: number;
}
const modelTable = knownModels as unknown as Record<string, ModelFacts | undefined>;

/** Token counts of one text under both OpenAI tokenizers, so stored turns can be weighed for any model. */
export interface TokenCounts {
  tokens: number;
  tokensCl100k: number;
}

/** `ft:gpt-4o-mini-2024-07-18:org::id` → `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`: the price table's own rules. */
export function baseModelCandidates(model: string): string[] {
  return [...new Set([model, ...nameCandidates(fineTuneBase(model) ?? model)])];
}

function facts(model: string): ModelFacts | undefined {
  for (const candidate of baseModelCandidates(model)) {
    const found = Object.hasOwn(modelTable, candidate) ? modelTable[candidate] : undefined;
    if (found?.context_window) return found;
  }
  return undefined;
}

export type Tokenizer = 'o200k' | 'cl100k' | 'unknown';

/** OpenAI chat models from before GPT-4o (cl100k), by name, whether or not gpt-tokenizer lists the snapshot. */
const CL100K_MODELS = /^(gpt-3\.5-turbo|gpt-4(-32k|-turbo|-turbo-preview|-\d{4}(-preview)?|-vision-preview)?$|text-embedding)/;
/** OpenAI's newer families, which all use o200k. */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o1|o3|o4)/;

/** Which tokenizer counts for a model; models of other servers (local Llama, Qwen…) are estimated. */
export function tokenizerOf(model: string): Tokenizer {
  const base = baseModelCandidates(model).at(-1) ?? model;
  if (CL100K_MODELS.test(base)) return 'cl100k';
  if (O200K_MODELS.test(base) || facts(model)) return 'o200k';
  return 'unknown';
}

/**
 * Counts streamed output for a model with one tokenizer: its own, or o200k for other servers' models (for most text
 * the lower of the two counts, so an answer a server keeps within its limit is not taken for one past it).
 */
export function outputCounter(model: string): (text: string) => number {
  return tokenizerOf(model) === 'cl100k' ? countCl100k : countO200k;
}

export interface ContextLimits {
  contextWindow: number;
  known: boolean;
}

/** Token counting with a real tokenizer, and context windows from gpt-tokenizer's model table. */
export class TokenCounter {
  /** `contextWindowOf` answers first (the pricing table: PRICING_FILE and corrections), then gpt-tokenizer. */
  constructor(
    private readonly unknownModelContextWindow: number,
    private readonly contextWindowOf: (model: string) => number | undefined = () => undefined,
  ) {}

  limits(model: string): ContextLimits {
    const window = this.contextWindowOf(model) ?? facts(model)?.context_window;
    return window ? { contextWindow: window, known: true } : { contextWindow: this.unknownModelContextWindow, known: false };
  }

  /** One message (text plus framing) under both tokenizers. */
  countMessage(text: string): TokenCounts {
    return { tokens: countO200k(text) + MESSAGE_OVERHEAD_TOKENS, tokensCl100k: countCl100k(text) + MESSAGE_OVERHEAD_TOKENS };
  }

  /** What a counted message weighs for this model; unknown models get a safety margin. */
  weigh(counts: TokenCounts, model: string): number {
    return this.weigher(model)(counts);
  }

  /** `weigh` with the model looked up once, for weighing many stored turns. */
  weigher(model: string): (counts: TokenCounts) => number {
    const tokenizer = tokenizerOf(model);
    if (tokenizer === 'cl100k') return (counts) => counts.tokensCl100k;
    if (tokenizer === 'o200k') return (counts) => counts.tokens;
    return (counts) => Math.ceil(Math.max(counts.tokens, counts.tokensCl100k) * UNKNOWN_MODEL_TOKEN_SAFETY);
  }
}
