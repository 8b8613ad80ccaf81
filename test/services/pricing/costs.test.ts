import { describe, expect, test } from 'vitest';
import { createPricing } from '../../../src/services/pricing/index.ts';

const pricing = createPricing();

describe('chatCost (integer micro-dollars, rounded up)', () => {
  test.each([
    ['1 input token of gpt-4o-mini costs 1 micro-dollar, not 0', 'gpt-4o-mini', 1, 0, 0, 1],
    ['1 output token of gpt-4o-mini rounds 0.6 up to 1', 'gpt-4o-mini', 0, 0, 1, 1],
    ['nothing costs nothing', 'gpt-4o-mini', 0, 0, 0, 0],
    ['1M input tokens of gpt-4o-mini is $0.15', 'gpt-4o-mini', 1_000_000, 0, 0, 150_000],
    ['1M output tokens of gpt-4o-mini is $0.60', 'gpt-4o-mini', 0, 0, 1_000_000, 600_000],
    ['rounding happens once, on the total', 'gpt-4o-mini', 3, 0, 3, 3], // 0.45 + 1.8 = 2.25 → 3
    ['gpt-4o 1000 in + 500 out', 'gpt-4o', 1000, 0, 500, 7500],
    ['cached tokens billed at the cached rate', 'gpt-4o-mini', 1_000_000, 1_000_000, 0, 75_000],
    ['half cached', 'gpt-4o', 1_000_000, 500_000, 0, 1_875_000],
    ['legacy model without cache discount', 'gpt-4', 1000, 1000, 0, 30_000],
    ['1M tokens of o1-pro output stays exact', 'o1-pro', 0, 0, 1_000_000, 600_000_000],
  ])('%s', (_case, model, promptTokens, cachedTokens, completionTokens, micros) => {
    expect(pricing.chatCost(model, { promptTokens, cachedTokens, completionTokens })).toBe(micros);
  });

  test('an unknown model is charged at the fallback (gpt-4o) price', () => {
    expect(pricing.chatCost('llama3.1:8b', { promptTokens: 1000, completionTokens: 500 })).toBe(7500);
  });

  test.each([
    ['negative tokens', { promptTokens: -1, completionTokens: 0 }],
    ['fractional tokens', { promptTokens: 1.5, completionTokens: 0 }],
    ['more cached than prompt tokens', { promptTokens: 1, cachedTokens: 2, completionTokens: 0 }],
  ])('rejects %s', (_case, usage) => {
    expect(() => pricing.chatCost('gpt-4o', usage)).toThrow(RangeError);
  });
});

describe('chatWorstCase', () => {
  test.each([
    ['gpt-4o-mini 1000 prompt + 16384 output', 'gpt-4o-mini', 1000, 16_384, 9981], // 150 + 9830.4 → 9981
    ['gpt-4 8K: 4096 + 4096', 'gpt-4', 4096, 4096, 368_640],
    ['unknown model uses the fallback', 'llama3.1:8b', 1000, 1000, 12_500],
  ])('%s', (_case, model, prompt, maxOutput, micros) => {
    expect(pricing.chatWorstCase(model, prompt, maxOutput)).toBe(micros);
  });
});

describe('images', () => {
  test('without a quality, the dearest quality at that size (reservation)', () => {
    expect(pricing.imagePrice('gpt-image-1', '1024x1536')).toMatchObject({ known: true, micros: 250_000 });
    expect(pricing.imagePrice('dall-e-2', '512x512')).toMatchObject({ known: true, micros: 18_000 });
  });

  test.each([
    ['unknown model', 'stable-diffusion', '1024x1024', 'hd', 'unknown-model', /No image price for model "stable-diffusion"/],
    ['unknown size', 'dall-e-3', '512x512', 'hd', 'unknown-size', /sizes: 1024x1024, 1024x1792, 1792x1024/],
    ['unknown quality', 'dall-e-3', '1024x1024', 'ultra', 'unknown-quality', /qualities: standard, hd/],
    ['quality of another model', 'gpt-image-1', '1024x1024', 'hd', 'unknown-quality', /qualities: low, medium, high/],
  ])('%s → typed unknown result', (_case, model, size, quality, reason, message) => {
    const result = pricing.imagePrice(model, size, quality);
    expect(result).toMatchObject({ known: false, reason });
    expect(result.known ? '' : result.message).toMatch(message);
  });

  test.each([
    ['dall-e-2', ['256x256', '512x512', '1024x1024'], ['standard']],
    ['dall-e-3', ['1024x1024', '1024x1792', '1792x1024'], ['standard', 'hd']],
    ['gpt-image-1', ['1024x1024', '1024x1536', '1536x1024'], ['low', 'medium', 'high']],
  ])('imageOptions(%s)', (model, sizes, qualities) => {
    expect(pricing.imageOptions(model)).toEqual({ sizes, qualities });
  });

  test('imageOptions of a model without image prices is undefined', () => {
    expect(pricing.imageOptions('gpt-4o')).toBeUndefined();
  });
});

describe('audio', () => {
  test.each([
    ['whisper-1', 6000],
    ['gpt-4o-transcribe', 6000],
    ['gpt-4o-mini-transcribe', 3000],
    ['gpt-4o-mini-transcribe-2025-03-20', 3000],
  ])('audioPricePerMinute(%s) = %i', (model, micros) => {
    expect(pricing.audioPricePerMinute(model)).toMatchObject({ known: true, micros });
  });

  test.each([
    ['a full minute', 'whisper-1', 60, 6000],
    ['one second is 1/60 of the minute price', 'whisper-1', 1, 100],
    ['a fraction of a second counts as a whole second', 'whisper-1', 0.2, 100],
    ['61.5 s → 62 s', 'whisper-1', 61.5, 6200],
    ['pro rata rounded up to a micro-dollar', 'gpt-4o-mini-transcribe', 7, 350],
    ['one second of mini is 50', 'gpt-4o-mini-transcribe', 1, 50],
    ['zero seconds', 'whisper-1', 0, 0],
  ])('audioCost: %s', (_case, model, seconds, micros) => {
    expect(pricing.audioCost(model, seconds)).toMatchObject({ known: true, micros });
  });

  test('unknown audio model', () => {
    expect(pricing.audioCost('faster-whisper-small', 60)).toMatchObject({ known: false, reason: 'unknown-model' });
  });
});

describe('embeddings and fine-tuning training', () => {
  test.each([
    ['text-embedding-3-small, 1 token rounds up', 'text-embedding-3-small', 1, 1],
    ['text-embedding-3-small, 1M tokens', 'text-embedding-3-small', 1_000_000, 20_000],
    ['text-embedding-3-large, 1M tokens', 'text-embedding-3-large', 1_000_000, 130_000],
  ])('embeddingCost: %s', (_case, model, tokens, micros) => {
    expect(pricing.embeddingCost(model, tokens)).toMatchObject({ known: true, micros });
  });

  test.each([
    ['gpt-4o-mini snapshot, 1M tokens', 'gpt-4o-mini-2024-07-18', 1_000_000, 3_000_000],
    ['gpt-3.5-turbo-0613, 100K tokens (tutorial $0.008/1K)', 'gpt-3.5-turbo-0613', 100_000, 800_000],
    ['a fine-tune trained further is priced as its base', 'ft:gpt-4.1-mini-2025-04-14:acme::x', 1_000_000, 5_000_000],
  ])('trainingCost: %s', (_case, model, tokens, micros) => {
    expect(pricing.trainingCost(model, tokens)).toMatchObject({ known: true, micros });
  });

  test('unknown training model', () => {
    expect(pricing.trainingCost('gpt-5', 1000)).toMatchObject({ known: false, reason: 'unknown-model' });
  });
});
