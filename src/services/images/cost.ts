/**
 * What an image request can cost and what it did cost. gpt-image models are billed by tokens: the
 * prompt's text tokens plus the image's output tokens (OpenAI image generation guide, "Cost and
 * latency"). OpenAI's per-image table rounds those: gpt-image-1 medium 1024x1024 is 1056 tokens ×
 * $40 per 1M = $0.04224, listed as $0.042. So a true upper bound takes the larger of the two.
 * Partial images (100 output tokens each) exist only for streamed requests, which the bot never makes.
 */
import { stripSnapshot, type Pricing } from '../pricing/index.ts';
import { ceilCost, TOKENS_PER_PRICE_UNIT, usdToMicros } from '../pricing/units.ts';

/** Output tokens of one image, by size and quality (the guide's table; gpt-image-1 and gpt-image-1-mini alike). */
const GPT_IMAGE_OUTPUT_TOKENS: Record<string, Record<string, number>> = {
  '1024x1024': { low: 272, medium: 1056, high: 4160 },
  '1024x1536': { low: 408, medium: 1584, high: 6240 },
  '1536x1024': { low: 400, medium: 1568, high: 6208 },
};

/** Micro-dollars per 1M image output tokens (OpenAI pricing page, "Image tokens", output). */
const OUTPUT_PRICE_PER_MILLION: Record<string, number> = { 'gpt-image-1': usdToMicros(40), 'gpt-image-1-mini': usdToMicros(8) };

const outputPrice = (model: string): number | undefined => OUTPUT_PRICE_PER_MILLION[model] ?? OUTPUT_PRICE_PER_MILLION[stripSnapshot(model) ?? ''];

/** The image output tokens' cost, or undefined for a model not billed by tokens (DALL·E, unknown models). */
export function outputTokensCost(model: string, tokens: number): number | undefined {
  const price = outputPrice(model);
  return price === undefined ? undefined : ceilCost([[tokens, price]], TOKENS_PER_PRICE_UNIT);
}

/** gpt-image models bill the prompt's text tokens, also those the price table knows only per image (PRICING_FILE). */
const TEXT_BILLED_IMAGE_MODEL = /^(gpt-image|chatgpt-image)/;
/**
 * The text input price of OpenAI's gpt-image models (gpt-image-1 and gpt-image-2.6-sunburst: $5 per 1M, the dearest
 * of them), for one without a text price of its own: priced per image only, its prompt would otherwise cost nothing.
 */
const FALLBACK_PROMPT_PRICE_PER_MILLION = usdToMicros(5);

/** What `tokens` prompt tokens cost on an image model: its own text price, the gpt-image fallback, or nothing (DALL·E). */
export function promptCost(pricing: Pick<Pricing, 'imagePromptCost'>, model: string, tokens: number): number {
  const own = pricing.imagePromptCost(model, tokens);
  if (own > 0 || !TEXT_BILLED_IMAGE_MODEL.test(stripSnapshot(model) ?? model)) return own;
  return ceilCost([[tokens, FALLBACK_PROMPT_PRICE_PER_MILLION]], TOKENS_PER_PRICE_UNIT);
}

/** The most one image can cost: the table's price, or its output tokens at the token price when that is more. */
export function imageUnitBound(model: string, size: string, quality: string, tableMicros: number): number {
  const tokens = GPT_IMAGE_OUTPUT_TOKENS[size]?.[quality];
  const byTokens = tokens === undefined ? undefined : outputTokensCost(model, tokens);
  return Math.max(tableMicros, byTokens ?? 0);
}
