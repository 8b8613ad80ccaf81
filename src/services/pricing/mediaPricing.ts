/** Per-unit prices outside chat: images (per image), audio (per minute), embeddings and training (per 1M tokens). */
import { fineTuneBase, lookup } from './modelNames.ts';
import type { AudioTokenPrice, AudioTokenUsage, ImageOptions, PriceLookup } from './types.ts';

/** model → size → quality → micro-dollars per image. */
export type ImageMap = ReadonlyMap<string, Record<string, Record<string, number>>>;
import { assertCount, ceilCost, TOKENS_PER_PRICE_UNIT } from './units.ts';

const unknownModel = (kind: string, model: string): PriceLookup => ({
  known: false,
  reason: 'unknown-model',
  message: `No ${kind} price for model "${model}".`,
});

export function imagePrice(images: ImageMap, model: string, size: string, quality?: string): PriceLookup {
  const entry = lookup(images, model);
  if (!entry) return unknownModel('image', model);
  const bySize = Object.hasOwn(entry.value, size) ? entry.value[size] : undefined;
  if (!bySize) {
    const sizes = Object.keys(entry.value).join(', ');
    return { known: false, reason: 'unknown-size', message: `${entry.key} has no size "${size}" (sizes: ${sizes}).` };
  }
  // No quality given: price the dearest one, since the API may pick it ("auto") and we must not under-reserve.
  const prices = Object.values(bySize);
  if (quality === undefined && prices.length > 0) return { known: true, micros: Math.max(...prices), resolvedFrom: entry.key };
  const micros = quality !== undefined && Object.hasOwn(bySize, quality) ? bySize[quality] : undefined;
  if (micros === undefined) {
    const qualities = Object.keys(bySize).join(', ');
    return { known: false, reason: 'unknown-quality', message: `${entry.key} at ${size} has no quality "${quality ?? ''}" (qualities: ${qualities}).` };
  }
  return { known: true, micros, resolvedFrom: entry.key };
}

export function imageOptions(images: ImageMap, model: string): ImageOptions | undefined {
  const entry = lookup(images, model);
  if (!entry) return undefined;
  const sizes = Object.keys(entry.value);
  const qualities = [...new Set(sizes.flatMap((size) => Object.keys(entry.value[size] ?? {})))];
  return { sizes, qualities };
}

/**
 * A unit price from a model → micro-dollars table (exact name, then undated base). A fine-tuned model
 * is priced as its base: it can be the base of a further training job.
 */
export function unitPrice(table: ReadonlyMap<string, number>, kind: string, model: string): PriceLookup {
  const entry = lookup(table, fineTuneBase(model) ?? model);
  return entry ? { known: true, micros: entry.value, resolvedFrom: entry.key } : unknownModel(kind, model);
}

/** Audio is billed by the second, pro rata of the per-minute price, each part rounded up. */
export function audioCost(perMinute: PriceLookup, seconds: number): PriceLookup {
  if (!perMinute.known) return perMinute;
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`seconds must be a non-negative number (got ${seconds})`);
  const wholeSeconds = Math.ceil(seconds);
  return { ...perMinute, micros: ceilCost([[wholeSeconds, perMinute.micros]], 60) };
}

/** Embedding and training prices are per 1M tokens. */
export function tokenCost(perMillion: PriceLookup, tokens: number): PriceLookup {
  if (!perMillion.known) return perMillion;
  assertCount('tokens', tokens);
  return { ...perMillion, micros: ceilCost([[tokens, perMillion.micros]], TOKENS_PER_PRICE_UNIT) };
}

/** A token-billed transcription: each kind of token at its own price per 1M, rounded up once. */
export function audioTokenCost(table: ReadonlyMap<string, AudioTokenPrice>, model: string, usage: AudioTokenUsage): PriceLookup {
  const entry = lookup(table, fineTuneBase(model) ?? model);
  if (!entry) return unknownModel('audio token', model);
  assertCount('audioTokens', usage.audioTokens);
  assertCount('textTokens', usage.textTokens);
  assertCount('outputTokens', usage.outputTokens);
  const { audioInput, textInput, output } = entry.value;
  const terms = [[usage.audioTokens, audioInput], [usage.textTokens, textInput], [usage.outputTokens, output]] as const;
  return { known: true, micros: ceilCost(terms, TOKENS_PER_PRICE_UNIT), resolvedFrom: entry.key };
}
