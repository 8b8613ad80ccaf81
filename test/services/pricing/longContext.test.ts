import { describe, expect, test } from 'vitest';
import { createPricing, parsePricingFile, PricingFileError } from '../../../src/services/pricing/index.ts';

const pricing = createPricing();

// gpt-5.4 (developers.openai.com/api/docs/models/gpt-5.4): $2.50 in, $0.25 cached, $15 out per 1M; prompts with more
// than 272K input tokens are billed 2x input and 1.5x output for the whole request: $5, $0.50 (assumed 2x), $22.50.
// Expected figures are worked out here by hand, in micro-dollars.
describe('gpt-5.4\'s long-context tier', () => {
  test.each([
    // reservation: no cache discount, every allowed output token
    ['a 300K-token prompt is reserved at 2x/1.5x', 300_000, 4096, 300_000 * 5 + 4096 * 22.5], // 1,592,160
    ['a 200K-token prompt is reserved at the base rates', 200_000, 4096, 200_000 * 2.5 + 4096 * 15], // 561,440
    ['exactly 272,000 prompt tokens is not past the threshold', 272_000, 0, 272_000 * 2.5],
    ['272,001 prompt tokens puts the whole prompt at 2x', 272_001, 0, 272_001 * 5],
    ['the output of a long prompt at 1.5x', 272_001, 128_000, 272_001 * 5 + 128_000 * 22.5],
  ])('%s', (_case, promptTokens, maxOutput, micros) => {
    expect(pricing.chatWorstCase('gpt-5.4', promptTokens, maxOutput)).toBe(micros);
  });

  test.each([
    ['300K in, 1,000 out: all of it at 2x/1.5x', 300_000, 0, 1000, 300_000 * 5 + 1000 * 22.5], // 1,522,500
    ['200K in, 1,000 out: the base rates', 200_000, 0, 1000, 200_000 * 2.5 + 1000 * 15], // 515,000
    ['300K in with 100K cached: cached input at 2x too', 300_000, 100_000, 0, 200_000 * 5 + 100_000 * 0.5], // 1,050,000
    ['200K in with 100K cached: base cached rate', 200_000, 100_000, 0, 100_000 * 2.5 + 100_000 * 0.25],
    ['the dated snapshot is billed the same', 300_000, 0, 1000, 1_522_500],
  ])('settled from usage: %s', (name, promptTokens, cachedTokens, completionTokens, micros) => {
    const model = name.includes('snapshot') ? 'gpt-5.4-2026-03-05' : 'gpt-5.4';
    expect(pricing.chatCost(model, { promptTokens, cachedTokens, completionTokens })).toBe(micros);
  });

  test('the tier follows the prompt the service reports, not the one the bot reserved for', () => {
    // Reserved for 250K (base rates), billed for 280K: the settlement is at the long-context rates.
    expect(pricing.chatWorstCase('gpt-5.4', 250_000, 1000)).toBe(250_000 * 2.5 + 1000 * 15);
    expect(pricing.chatCost('gpt-5.4', { promptTokens: 280_000, completionTokens: 1000 })).toBe(280_000 * 5 + 1000 * 22.5);
  });

  test('the reservation covers every bill with at most the reserved prompt and output, across the threshold', () => {
    for (const reserved of [271_000, 272_000, 272_001, 300_000]) {
      const bound = pricing.chatWorstCase('gpt-5.4', reserved, 2000);
      for (const prompt of [reserved - 2000, reserved - 1, reserved]) {
        for (const cached of [0, Math.floor(prompt / 2), prompt]) {
          expect(pricing.chatCost('gpt-5.4', { promptTokens: prompt, cachedTokens: cached, completionTokens: 2000 })).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  test('models without a published tier keep their base rates however long the prompt', () => {
    expect(pricing.chatCost('gpt-4.1', { promptTokens: 900_000, completionTokens: 1000 })).toBe(900_000 * 2 + 1000 * 8);
    expect(pricing.resolveChat('gpt-4.1').price.longContext).toBeUndefined();
  });
});

describe('the long-context tier in PRICING_FILE', () => {
  const file = (chat: unknown) => parsePricingFile(JSON.stringify({ chat }), 'prices.json');

  test('a rule is read as OpenAI writes it; without cachedInputMultiplier, cached input takes the input\'s', () => {
    const overrides = file({ 'gpt-5.5': { input: 5, cachedInput: 0.5, output: 30, longContext: { aboveInputTokens: 272000, inputMultiplier: 2, outputMultiplier: 1.5 } } });
    expect(overrides.chat?.['gpt-5.5']).toEqual({
      input: 5_000_000, cachedInput: 500_000, output: 30_000_000,
      longContext: { aboveInputTokens: 272_000, inputMultiplier: 2, cachedInputMultiplier: 2, outputMultiplier: 1.5 },
    });
    const priced = createPricing({ overrides });
    expect(priced.resolveChat('gpt-5.5').price.longContext).toEqual({ aboveInputTokens: 272_000, input: 10_000_000, cachedInput: 1_000_000, output: 45_000_000 });
    expect(priced.chatCost('gpt-5.5', { promptTokens: 300_000, cachedTokens: 100_000, completionTokens: 1000 })).toBe(200_000 * 10 + 100_000 * 1 + 1000 * 45);
    expect(priced.chatCost('gpt-5.5', { promptTokens: 100_000, completionTokens: 1000 })).toBe(100_000 * 5 + 1000 * 30);
  });

  test('an entry for gpt-5.4 that gives no rule keeps the built-in one, on its own rates (dropping it would under-charge)', () => {
    const priced = createPricing({ overrides: file({ 'gpt-5.4': { input: 3, cachedInput: 0.3, output: 18 } }) });
    expect(priced.resolveChat('gpt-5.4')).toMatchObject({ source: 'override', price: { input: 3_000_000, longContext: { aboveInputTokens: 272_000, input: 6_000_000, cachedInput: 600_000, output: 27_000_000 } } });
    // A snapshot priced on its own keeps its base model's rule too.
    const snapshot = createPricing({ overrides: file({ 'gpt-5.4-2026-03-05': { input: 2.5, output: 15 } }) });
    expect(snapshot.chatCost('gpt-5.4-2026-03-05', { promptTokens: 300_000, completionTokens: 0 })).toBe(300_000 * 5);
  });

  test('multipliers of 1 turn a built-in rule off', () => {
    const priced = createPricing({ overrides: file({ 'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15, longContext: { aboveInputTokens: 272000, inputMultiplier: 1, outputMultiplier: 1 } } }) });
    expect(priced.chatCost('gpt-5.4', { promptTokens: 300_000, completionTokens: 1000 })).toBe(300_000 * 2.5 + 1000 * 15);
  });

  test('fractional multipliers are rounded up to a whole micro-dollar per 1M tokens, without float noise', () => {
    const priced = createPricing({ overrides: file({ odd: { input: 0.175, output: 0.333333, longContext: { aboveInputTokens: 10, inputMultiplier: 1.1, outputMultiplier: 1.5 } } }) });
    // 175,000 × 1.1 = 192,500 (not 192,501 from 192,500.00000000003); 333,333 × 1.5 = 499,999.5 → 500,000.
    expect(priced.resolveChat('odd').price.longContext).toEqual({ aboveInputTokens: 10, input: 192_500, cachedInput: 192_500, output: 500_000 });
  });

  test.each([
    ['a multiplier below 1', { inputMultiplier: 0.5, outputMultiplier: 1.5 }, 'chat["gpt-5.5"].longContext.inputMultiplier: must be at least 1: the tier can only raise the rates (got 0.5)'],
    ['an absurd multiplier', { inputMultiplier: 2, outputMultiplier: 150 }, 'chat["gpt-5.5"].longContext.outputMultiplier: must be at most 100 (got 150)'],
    ['a missing multiplier', { inputMultiplier: 2 }, 'chat["gpt-5.5"].longContext.outputMultiplier: is required'],
    ['an unknown key', { inputMultiplier: 2, outputMultiplier: 1.5, output: 45 }, 'chat["gpt-5.5"].longContext: unknown key "output"'],
  ])('%s is refused with the entry named', (_case, rule, problem) => {
    const text = JSON.stringify({ chat: { 'gpt-5.5': { input: 5, output: 30, longContext: { aboveInputTokens: 272000, ...rule } } } });
    expect(() => parsePricingFile(text, 'prices.json')).toThrow(PricingFileError);
    try {
      parsePricingFile(text, 'prices.json');
    } catch (error) {
      expect((error as PricingFileError).problems).toEqual([problem]);
    }
  });

  test('a threshold that is not a whole number of tokens is refused', () => {
    const text = JSON.stringify({ chat: { m: { input: 1, output: 1, longContext: { aboveInputTokens: 272.5, inputMultiplier: 2, outputMultiplier: 1.5 } } } });
    expect(() => parsePricingFile(text, 'prices.json')).toThrow(/chat\.m\.longContext\.aboveInputTokens/);
  });
});
