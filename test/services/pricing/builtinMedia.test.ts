import { describe, expect, test } from 'vitest';
import { BUILTIN_AUDIO, BUILTIN_EMBEDDINGS, BUILTIN_IMAGES, BUILTIN_TRAINING } from '../../../src/services/pricing/builtinMedia.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';

const pricing = createPricing();

const IMAGES: Array<[model: string, size: string, quality: string, micros: number]> = [
  ['dall-e-2', '256x256', 'standard', 16_000],
  ['dall-e-2', '512x512', 'standard', 18_000],
  ['dall-e-2', '1024x1024', 'standard', 20_000],
  ['dall-e-3', '1024x1024', 'standard', 40_000],
  ['dall-e-3', '1024x1792', 'standard', 80_000],
  ['dall-e-3', '1792x1024', 'standard', 80_000],
  ['dall-e-3', '1024x1024', 'hd', 80_000],
  ['dall-e-3', '1024x1792', 'hd', 120_000],
  ['dall-e-3', '1792x1024', 'hd', 120_000],
  ['gpt-image-1', '1024x1024', 'low', 11_000],
  ['gpt-image-1', '1024x1024', 'medium', 42_000],
  ['gpt-image-1', '1024x1024', 'high', 167_000],
  ['gpt-image-1', '1024x1536', 'low', 16_000],
  ['gpt-image-1', '1024x1536', 'medium', 63_000],
  ['gpt-image-1', '1024x1536', 'high', 250_000],
  ['gpt-image-1', '1536x1024', 'low', 16_000],
  ['gpt-image-1', '1536x1024', 'medium', 63_000],
  ['gpt-image-1', '1536x1024', 'high', 250_000],
  ['gpt-image-1-mini', '1024x1024', 'low', 5_000],
  ['gpt-image-1-mini', '1024x1024', 'medium', 11_000],
  ['gpt-image-1-mini', '1024x1024', 'high', 36_000],
  ['gpt-image-1-mini', '1024x1536', 'low', 6_000],
  ['gpt-image-1-mini', '1024x1536', 'medium', 15_000],
  ['gpt-image-1-mini', '1024x1536', 'high', 52_000],
  ['gpt-image-1-mini', '1536x1024', 'low', 6_000],
  ['gpt-image-1-mini', '1536x1024', 'medium', 15_000],
  ['gpt-image-1-mini', '1536x1024', 'high', 52_000],
];

describe('built-in image prices (micro-dollars per image)', () => {
  test.each(IMAGES)('%s %s %s: %i', (model, size, quality, micros) => {
    expect(pricing.imagePrice(model, size, quality)).toEqual({ known: true, micros, resolvedFrom: model });
  });

  test('every built-in image price has a test row', () => {
    const rows = Object.entries(BUILTIN_IMAGES).flatMap(([model, sizes]) =>
      Object.entries(sizes).flatMap(([size, byQuality]) => Object.keys(byQuality).map((quality) => `${model} ${size} ${quality}`)),
    );
    expect(rows.sort()).toEqual(IMAGES.map(([m, s, q]) => `${m} ${s} ${q}`).sort());
  });
});

type Row = [model: string, micros: number];
const UNIT_TABLES: Array<[kind: string, table: Record<string, number>, rows: Row[]]> = [
  ['audio, micro-dollars per minute', BUILTIN_AUDIO, [['whisper-1', 6000], ['gpt-4o-transcribe', 6000], ['gpt-4o-mini-transcribe', 3000]]],
  ['embeddings, micro-dollars per 1M tokens', BUILTIN_EMBEDDINGS, [['text-embedding-3-small', 20_000], ['text-embedding-3-large', 130_000], ['text-embedding-ada-002', 100_000]]],
  ['fine-tuning training, micro-dollars per 1M tokens', BUILTIN_TRAINING, [
    ['gpt-3.5-turbo', 8_000_000], ['gpt-4o-mini', 3_000_000], ['gpt-4o', 25_000_000],
    ['gpt-4.1-mini', 5_000_000], ['gpt-4.1', 25_000_000], ['gpt-4.1-nano', 1_500_000],
  ]],
];

describe.each(UNIT_TABLES)('built-in %s', (_kind, table, rows) => {
  test.each(rows)('%s: %i', (model, micros) => {
    expect(table[model]).toBe(micros);
  });

  test('every row is tested', () => {
    expect(Object.keys(table).sort()).toEqual(rows.map(([model]) => model).sort());
  });
});

describe('image prompt text tokens (gpt-image bills them on top of the image)', () => {
  const pricing = createPricing();
  test.each([
    ['gpt-image-1', 1_000_000, 5_000_000],
    ['gpt-image-1', 5, 25],
    ['gpt-image-1-mini', 1_000_000, 2_000_000],
    ['dall-e-3', 1_000_000, 0],
    ['dall-e-2', 50, 0],
  ])('%s, %i tokens → %i micro-dollars', (model, tokens, micros) => {
    expect(pricing.imagePromptCost(model, tokens)).toBe(micros);
  });
});
