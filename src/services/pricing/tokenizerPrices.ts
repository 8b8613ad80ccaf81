/**
 * gpt-tokenizer's model table: context windows and output limits for the history builder, and chat
 * prices for models our own table does not list. Its prices are USD per 1M tokens (gpt-4 is 30/60,
 * the tutorial's $0.03/$0.06 per 1K).
 */
import * as models from 'gpt-tokenizer/models';
import type { ModelSpec } from 'gpt-tokenizer/modelTypes';
import { nameCandidates } from './modelNames.ts';
import type { ChatPrice } from './types.ts';
import { usdToMicros } from './units.ts';

const specs = models as unknown as Record<string, ModelSpec | undefined>;

/**
 * Below a cent per 1M tokens a price is not a real API price: gpt-tokenizer 4.0.0 lists gpt-oss-20b at
 * $0.0002 in, which would make an open-weight model (usually served locally) nearly free in our ledger.
 * Such entries are ignored so the conservative fallback applies instead.
 */
const MIN_PLAUSIBLE_USD_PER_MILLION = 0.01;

/**
 * Models that search the web on every request bill each search on top of their tokens, which gpt-tokenizer's token
 * prices leave out: priced by tokens alone, an answer would be charged a small part of its bill. Only our table
 * (with the search fee) or PRICING_FILE prices them.
 */
const SEARCH_MODEL = /-search-(preview|api)\b/;

/** Spec for the exact name, else for its undated base. */
export function tokenizerSpec(name: string): ModelSpec | undefined {
  for (const key of nameCandidates(name)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec) return spec;
  }
  return undefined;
}

/** A chat price derived from gpt-tokenizer, or undefined when it has no usable one. */
export function tokenizerChatPrice(name: string): { key: string; price: ChatPrice } | undefined {
  for (const key of nameCandidates(name)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) continue;
    const chat = spec.supported_endpoints.includes('chat_completions') || spec.supported_endpoints.includes('responses');
    const main = spec.price_data?.main;
    const { input, output } = main ?? {};
    if (!chat || input === undefined || output === undefined || SEARCH_MODEL.test(key)) continue;
    if (input < MIN_PLAUSIBLE_USD_PER_MILLION || output < MIN_PLAUSIBLE_USD_PER_MILLION) continue;
    // No cached price → no discount: charging the full input rate can only over-charge.
    const cachedInput = main?.cached_input ?? input;
    return { key, price: { input: usdToMicros(input), cachedInput: usdToMicros(cachedInput), output: usdToMicros(output) } };
  }
  return undefined;
}
