/**
 * Built-in prices for images, audio, embeddings and fine-tuning training, written in USD as published
 * and converted once to micro-dollars. gpt-tokenizer has none of these (its dall-e-3 entry carries
 * token prices of $10/$30, which are not per-image prices).
 */
import type { AudioTokenPrice, ImageTable } from './types.ts';
import { usdToMicros } from './units.ts';

const toMicros = (table: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(table).map(([key, usd]) => [key, usdToMicros(usd)]));

/** size → quality → USD per image, converted. */
function images(table: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(table).map(([size, byQuality]) => [size, toMicros(byQuality)]));
}

/**
 * gpt-image models also bill the prompt's text tokens, per 1M tokens (OpenAI pricing page, "Image
 * generation", text input). DALL·E prompts cost nothing beyond the image.
 */
export const BUILTIN_IMAGE_PROMPT_TEXT: Record<string, number> = toMicros({ 'gpt-image-1': 5, 'gpt-image-1-mini': 2 });

/**
 * OpenAI pricing page, "Image generation". dall-e-2 has no quality option: its single tier is `standard`.
 * gpt-image-1(-mini) prices are OpenAI's per-image figures for the image output tokens; the prompt's
 * text tokens are billed on top (gpt-image-1: $5 per 1M), so a caller wanting a strict worst case adds them.
 */
export const BUILTIN_IMAGES: ImageTable = {
  'dall-e-2': images({
    '256x256': { standard: 0.016 },
    '512x512': { standard: 0.018 },
    '1024x1024': { standard: 0.02 },
  }),
  'dall-e-3': images({
    '1024x1024': { standard: 0.04, hd: 0.08 },
    '1024x1792': { standard: 0.08, hd: 0.12 },
    '1792x1024': { standard: 0.08, hd: 0.12 },
  }),
  'gpt-image-1': images({
    '1024x1024': { low: 0.011, medium: 0.042, high: 0.167 },
    '1024x1536': { low: 0.016, medium: 0.063, high: 0.25 },
    '1536x1024': { low: 0.016, medium: 0.063, high: 0.25 },
  }),
  // Published with the model's launch (October 2025).
  'gpt-image-1-mini': images({
    '1024x1024': { low: 0.005, medium: 0.011, high: 0.036 },
    '1024x1536': { low: 0.006, medium: 0.015, high: 0.052 },
    '1536x1024': { low: 0.006, medium: 0.015, high: 0.052 },
  }),
};

/** USD per minute of audio (OpenAI pricing page, "Transcription and speech generation"). */
export const BUILTIN_AUDIO: Record<string, number> = toMicros({
  'whisper-1': 0.006,
  'gpt-4o-transcribe': 0.006,
  'gpt-4o-mini-transcribe': 0.003,
});

/**
 * Token-billed transcription models: USD per 1M audio-input, text-input and output tokens. Sources: OpenAI's
 * pricing page ("Transcription": gpt-4o-transcribe audio $6.00, text in $2.50, out $10.00; gpt-4o-mini-transcribe
 * audio $3.00, text in $1.25, out $5.00) and the openai-cookbook's realtime-transcription notebook, which quotes
 * the same gpt-4o-transcribe figures. The per-minute prices above are OpenAI's estimates for the same models.
 */
export const BUILTIN_AUDIO_TOKENS: Record<string, AudioTokenPrice> = {
  'gpt-4o-transcribe': audioTokens(6, 2.5, 10),
  'gpt-4o-mini-transcribe': audioTokens(3, 1.25, 5),
};

function audioTokens(audioInput: number, textInput: number, output: number): AudioTokenPrice {
  return { audioInput: usdToMicros(audioInput), textInput: usdToMicros(textInput), output: usdToMicros(output) };
}

/** USD per 1M tokens. ada-002 matches the tutorial's $0.0001/1K. */
export const BUILTIN_EMBEDDINGS: Record<string, number> = toMicros({
  'text-embedding-3-small': 0.02,
  'text-embedding-3-large': 0.13,
  'text-embedding-ada-002': 0.1,
});

/**
 * USD per 1M trained tokens (tokens in the file × epochs). gpt-3.5-turbo: the tutorial's $0.008/1K, OpenAI's since its
 * launch (https://openai.com/blog/gpt-3-5-turbo-fine-tuning-and-api-updates); the others: OpenAI's pricing page,
 * "Fine-tuning" (https://developers.openai.com/api/docs/pricing; not in the stored copies checked 2026-12, the figures
 * stay as read there before). o4-mini is trained by reinforcement fine-tuning, billed by the hour, not by tokens
 * (https://help.openai.com/en/articles/11323177-billing-guide-for-the-reinforcement-fine-tuning-api): not priced here.
 */
export const BUILTIN_TRAINING: Record<string, number> = toMicros({
  'gpt-3.5-turbo': 8,
  'gpt-4o-mini': 3,
  'gpt-4o': 25,
  'gpt-4.1-mini': 5,
  'gpt-4.1': 25,
  'gpt-4.1-nano': 1.5,
});
