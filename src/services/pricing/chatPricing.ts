/**
 * Chat prices: which table row prices a model name, and what a call costs.
 * Order: our table (PRICING_FILE entries over built-ins) before gpt-tokenizer, because gpt-tokenizer's
 * prices are wrong or missing for most current models (see builtinPrices.ts); then the fallback.
 */
import { longContextTier, ratesFor, scaled } from './longContext.ts';
import { fineTuneBase, lookup, nameCandidates, tableKey } from './modelNames.ts';
import { tokenizerChatPrice, tokenizerSpec } from './tokenizerPrices.ts';
import type { ChatEntry, ChatPrice, ChatResolution, ChatUsage, LongContextRule } from './types.ts';
import { assertCount, ceilCost, TOKENS_PER_PRICE_UNIT } from './units.ts';

/** How proxies (OpenRouter, LiteLLM) name OpenAI's models: `openai/gpt-4o`. */
const OPENAI_PREFIX = 'openai/';

export class ChatPricing {
  constructor(
    private readonly table: ReadonlyMap<string, ChatEntry>,
    private readonly overridden: ReadonlySet<string>,
    private readonly fallback: ChatPrice,
    /** The built-in long-context rules: a PRICING_FILE entry that gives none keeps them (dropping one would under-charge). */
    private readonly builtinRules: ReadonlyMap<string, LongContextRule> = new Map(),
    /** The bot talks to one of OpenAI's regional endpoints: built-in prices with a regional uplift are raised by it. */
    private readonly regional = false,
  ) {}

  resolve(model: string): ChatResolution {
    const base = fineTuneBase(model);
    if (base !== undefined) {
      // A price for this very fine-tune, then the fine-tuned rate of its base, then the base itself.
      const own = tableKey(this.table, model);
      if (own !== undefined) return this.found(model, own, this.table.get(own) as ChatEntry);
      const tuned = nameCandidates(base).map((name) => tableKey(this.table, `ft:${name}`)).find((key) => key !== undefined);
      if (tuned !== undefined) return this.found(model, tuned, this.table.get(tuned) as ChatEntry);
      // OpenAI bills a fine-tuned model at rates of its own, above its base's: without them it is unpriced
      // (UNPRICED_MODELS refuses it by default on OpenAI), and a fallback charge is never below its base's rates.
      const { price } = this.resolve(base);
      return { model, known: false, source: 'fallback', resolvedFrom: 'fallback', price: higherRates(price, this.fallback) };
    }
    const ours = lookup(this.table, model);
    if (ours) return this.found(model, ours.key, ours.value);
    // A proxy's name for an OpenAI model (OpenRouter, LiteLLM: `openai/o1`) costs what OpenAI charges for it.
    if (model.toLowerCase().startsWith(OPENAI_PREFIX)) {
      const proxied = this.resolve(model.slice(OPENAI_PREFIX.length));
      if (proxied.known) return { ...proxied, model };
    }
    const theirs = tokenizerChatPrice(model);
    if (theirs) return { model, known: true, source: 'gpt-tokenizer', resolvedFrom: theirs.key, price: theirs.price };
    return { model, known: false, source: 'fallback', resolvedFrom: 'fallback', price: { ...this.fallback } };
  }

  /**
   * Cached tokens are part of promptTokens, billed at the cached rate; a per-request fee is added once; the total is
   * rounded up. A prompt past the model's long-context threshold puts the whole request (its cached input and output
   * too) at the tier's rates; `tierPromptTokens`, when larger, is the prompt size that picks them instead.
   */
  cost(model: string, usage: ChatUsage, tierPromptTokens = usage.promptTokens): number {
    const { promptTokens, completionTokens } = usage;
    const cachedTokens = usage.cachedTokens ?? 0;
    assertCount('promptTokens', promptTokens);
    assertCount('cachedTokens', cachedTokens);
    assertCount('completionTokens', completionTokens);
    if (cachedTokens > promptTokens) throw new RangeError(`cachedTokens (${cachedTokens}) exceed promptTokens (${promptTokens})`);
    const price = ratesFor(this.resolve(model).price, Math.max(promptTokens, tierPromptTokens));
    return ceilCost(
      [
        [promptTokens - cachedTokens, price.input],
        [cachedTokens, price.cachedInput],
        [completionTokens, price.output],
        [TOKENS_PER_PRICE_UNIT, price.perRequest ?? 0],
      ],
      TOKENS_PER_PRICE_UNIT,
    );
  }

  /**
   * What a call may cost at most, for the reservation made before it: no cache discount assumed, and the
   * long-context tier when `promptTokens` (the most the prompt can count) is past its threshold.
   */
  worstCase(model: string, promptTokens: number, maxOutputTokens: number): number {
    return this.cost(model, { promptTokens, cachedTokens: 0, completionTokens: maxOutputTokens });
  }

  contextWindow(model: string): number | undefined {
    return this.limit(model, 'contextWindow', 'context_window');
  }

  maxOutputTokens(model: string): number | undefined {
    return this.limit(model, 'maxOutputTokens', 'max_output_tokens');
  }

  /** Our table's limit (legacy or local models) before gpt-tokenizer's; a fine-tune has its base's. */
  private limit(model: string, ours: 'contextWindow' | 'maxOutputTokens', theirs: 'context_window' | 'max_output_tokens'): number | undefined {
    const name = fineTuneBase(model) ?? model;
    const ownKey = model === name ? undefined : tableKey(this.table, model);
    const own = ownKey === undefined ? undefined : this.table.get(ownKey)?.[ours];
    return own ?? lookup(this.table, name)?.value[ours] ?? tokenizerSpec(name)?.[theirs];
  }

  private found(model: string, key: string, entry: ChatEntry): ChatResolution {
    // A PRICING_FILE entry is the operator's own figure (regional prices included); a built-in one is the global price.
    const uplift = this.regional && !this.overridden.has(key) ? entry.regionalUplift ?? 1 : 1;
    const rates = {
      input: scaled(entry.input, uplift), cachedInput: scaled(entry.cachedInput, uplift), output: scaled(entry.output, uplift),
      ...(entry.perRequest ? { perRequest: entry.perRequest } : {}),
    };
    // A snapshot (gpt-5.4-2026-03-05) or an override without a rule of its own keeps its base model's built-in rule.
    const rule = entry.longContext ?? lookup(this.builtinRules, key)?.value;
    const price: ChatPrice = rule ? { ...rates, longContext: longContextTier(rates, rule) } : rates;
    return { model, known: true, source: this.overridden.has(key) ? 'override' : 'builtin', resolvedFrom: key, price };
  }
}

/** Each rate the higher of the two (a per-request fee too), keeping `base`'s long-context tier (the fallback has none). */
function higherRates(base: ChatPrice, fallback: ChatPrice): ChatPrice {
  const perRequest = Math.max(base.perRequest ?? 0, fallback.perRequest ?? 0);
  return {
    input: Math.max(base.input, fallback.input), cachedInput: Math.max(base.cachedInput, fallback.cachedInput), output: Math.max(base.output, fallback.output),
    ...(perRequest > 0 ? { perRequest } : {}), ...(base.longContext ? { longContext: base.longContext } : {}),
  };
}
