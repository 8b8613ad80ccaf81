/**
 * Long-context pricing: past a prompt size, OpenAI bills the whole request at higher rates (developers.openai.com,
 * e.g. gpt-5.4: ">272K input tokens are priced at 2x input and 1.5x output for the full session").
 * The tier is picked by the prompt's size alone: the reservation passes the most the prompt can count, the
 * settlement the `prompt_tokens` the service reported.
 */
import type { ChatPrice, ChatRates, LongContextRule, LongContextTier } from './types.ts';

/**
 * A rate times a multiplier, rounded up to a whole micro-dollar per 1M tokens (never under). The product is first
 * rounded at a thousandth of a micro-dollar, so floating-point noise (175,000 × 1.1 = 192,500.00000000003) can't
 * add a micro-dollar.
 */
export function scaled(rate: number, multiplier: number): number {
  return Math.ceil(Math.round(rate * multiplier * 1000) / 1000);
}

/** The rates a rule gives a model whose base rates are `rates`. */
export function longContextTier(rates: ChatRates, rule: LongContextRule): LongContextTier {
  return {
    aboveInputTokens: rule.aboveInputTokens,
    input: scaled(rates.input, rule.inputMultiplier),
    cachedInput: scaled(rates.cachedInput, rule.cachedInputMultiplier),
    output: scaled(rates.output, rule.outputMultiplier),
  };
}

/** The rates a request is billed at: the long-context tier once its prompt has more tokens than the tier's threshold. */
export function ratesFor(price: ChatPrice, promptTokens: number): ChatRates {
  const tier = price.longContext;
  const rates = tier !== undefined && promptTokens > tier.aboveInputTokens ? tier : price;
  // A per-request fee (a search model's) is not a token rate: the tier leaves it as it is.
  return { input: rates.input, cachedInput: rates.cachedInput, output: rates.output, ...(price.perRequest ? { perRequest: price.perRequest } : {}) };
}
