/**
 * PRICING_FILE: a JSON file in which an operator corrects or adds prices without a release.
 * Humans write dollars (USD per 1M tokens, per image, per minute; `audioTokens` per 1M tokens); we store integer micro-dollars.
 * Every problem is collected and reported at once, naming the file, so start-up fails with one readable text.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { jsonErrorPosition } from './jsonPosition.ts';
import type { AudioTokenPrice, ChatEntry, ChatRates, LongContextRule, PricingOverrides } from './types.ts';
import { usdToMicros } from './units.ts';

/** Larger than any real price by far: a bigger number is a unit mistake (micro-dollars typed as dollars). */
const MAX_USD = 1_000_000;
/** Far above any published long-context surcharge (2x input, 1.5x output): a bigger multiplier is a mistake. */
const MAX_MULTIPLIER = 100;

const show = (input: unknown): string => (typeof input === 'number' ? String(input) : JSON.stringify(input) ?? String(input));

const usd = z
  .number({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a finite number of US dollars (got ${show(issue.input)})`) })
  .min(0, { error: (issue) => `must not be negative (got ${show(issue.input)})` })
  .max(MAX_USD, { error: (issue) => `must be at most ${MAX_USD} US dollars (got ${show(issue.input)})` });

const tokens = z.number().int().positive();
const name = z.string().min(1, { error: 'model names must not be empty' });
/** `perRequest`: USD billed once per request on top of the tokens (a search model's web search). */
const chatPriceSchema = z.strictObject({ input: usd, cachedInput: usd.optional(), output: usd, perRequest: usd.optional() });
/** A multiple of a base rate; below 1 a long prompt would cost less than a short one, which no price list does. */
const multiplier = z
  .number({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a number (got ${show(issue.input)})`) })
  .min(1, { error: (issue) => `must be at least 1: the tier can only raise the rates (got ${show(issue.input)})` })
  .max(MAX_MULTIPLIER, { error: (issue) => `must be at most ${MAX_MULTIPLIER} (got ${show(issue.input)})` });
/** OpenAI's long-context rule (gpt-5.4: past 272,000 prompt tokens, 2x input and 1.5x output for the whole request). */
const longContextSchema = z.strictObject({
  aboveInputTokens: tokens,
  inputMultiplier: multiplier,
  cachedInputMultiplier: multiplier.optional(),
  outputMultiplier: multiplier,
});
/** Limits let a local model (Ollama, vLLM) tell the history builder its window. */
const chatEntrySchema = chatPriceSchema.extend({ contextWindow: tokens.optional(), maxOutputTokens: tokens.optional(), longContext: longContextSchema.optional() });

export const pricingFileSchema = z.strictObject({
  chat: z.record(name, chatEntrySchema).optional(),
  images: z.record(name, z.record(z.string(), z.record(z.string(), usd))).optional(),
  audio: z.record(name, usd).optional(),
  audioTokens: z.record(name, z.strictObject({ audioInput: usd, textInput: usd, output: usd })).optional(),
  embeddings: z.record(name, usd).optional(),
  fineTuningTraining: z.record(name, usd).optional(),
  fallbackChat: chatPriceSchema.optional(),
});
const TOP_LEVEL_KEYS = Object.keys(pricingFileSchema.shape).join(', ');

export class PricingFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super(`Pricing file ${file} has ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PricingFileError';
  }
}

/** `chat["gpt-4.1"].input`: keys with dots or dashes quoted, so the path reads like the JSON. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      if (/^[A-Za-z_$][\w$]*$/.test(text)) return index === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join('');
}

function describe(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    if (where === '') return `unknown top-level key ${keys} (allowed: ${TOP_LEVEL_KEYS})`;
    return `${where}: unknown key ${keys}`;
  }
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

function chatPrice(entry: z.infer<typeof chatPriceSchema>): ChatRates {
  // No cached price given → no discount assumed: an override must never make us under-charge.
  return {
    input: usdToMicros(entry.input), cachedInput: usdToMicros(entry.cachedInput ?? entry.input), output: usdToMicros(entry.output),
    ...(entry.perRequest ? { perRequest: usdToMicros(entry.perRequest) } : {}),
  };
}

/** No cached-input multiplier given → the input's: a cache hit is input, and assuming a smaller one could under-charge. */
function longContextRule(rule: z.infer<typeof longContextSchema>): LongContextRule {
  return { ...rule, cachedInputMultiplier: rule.cachedInputMultiplier ?? rule.inputMultiplier };
}

function chatEntry(entry: z.infer<typeof chatEntrySchema>): ChatEntry {
  const { contextWindow, maxOutputTokens, longContext } = entry;
  return {
    ...chatPrice(entry),
    ...(contextWindow !== undefined && { contextWindow }),
    ...(maxOutputTokens !== undefined && { maxOutputTokens }),
    ...(longContext !== undefined && { longContext: longContextRule(longContext) }),
  };
}

function audioTokenPrice(entry: { audioInput: number; textInput: number; output: number }): AudioTokenPrice {
  return { audioInput: usdToMicros(entry.audioInput), textInput: usdToMicros(entry.textInput), output: usdToMicros(entry.output) };
}

const mapValues = <A, B>(table: Record<string, A>, f: (value: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(table).map(([key, value]) => [key, f(value)]));

function toOverrides(file: z.infer<typeof pricingFileSchema>): PricingOverrides {
  const overrides: PricingOverrides = {};
  if (file.chat) overrides.chat = mapValues(file.chat, chatEntry);
  if (file.images) overrides.images = mapValues(file.images, (sizes) => mapValues(sizes, (byQuality) => mapValues(byQuality, usdToMicros)));
  if (file.audio) overrides.audio = mapValues(file.audio, usdToMicros);
  if (file.audioTokens) overrides.audioTokens = mapValues(file.audioTokens, audioTokenPrice);
  if (file.embeddings) overrides.embeddings = mapValues(file.embeddings, usdToMicros);
  if (file.fineTuningTraining) overrides.fineTuningTraining = mapValues(file.fineTuningTraining, usdToMicros);
  if (file.fallbackChat) overrides.fallbackChat = chatPrice(file.fallbackChat);
  return overrides;
}

/** Parses the text of a pricing file; `file` only names it in errors. */
export function parsePricingFile(text: string, file: string): PricingOverrides {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // editors on Windows may save a byte-order mark
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = jsonErrorPosition(text.replace(/^\uFEFF/, ''), message);
    throw new PricingFileError(file, [`not valid JSON${at ? ` at line ${at.line}, column ${at.column}` : ''}: ${message}`]);
  }
  const result = pricingFileSchema.safeParse(json);
  if (!result.success) throw new PricingFileError(file, result.error.issues.map(describe));
  return toOverrides(result.data);
}

/** Reads and validates PRICING_FILE; throws PricingFileError for every kind of failure. */
export async function loadPricingFile(path: string): Promise<PricingOverrides> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : String(error);
    throw new PricingFileError(path, [`cannot be read: ${reason}`]);
  }
  return parsePricingFile(text, path);
}
