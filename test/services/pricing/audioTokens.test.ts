import { describe, expect, test } from 'vitest';
import { createPricing, parsePricingFile } from '../../../src/services/pricing/index.ts';

describe('token-billed transcription prices', () => {
  const pricing = createPricing();

  test.each([
    // OpenAI's pricing page: $6 / $2.50 / $10 per 1M (audio in, text in, out); mini half of each.
    ['gpt-4o-transcribe', { audioInput: 6_000_000, textInput: 2_500_000, output: 10_000_000 }],
    ['gpt-4o-mini-transcribe', { audioInput: 3_000_000, textInput: 1_250_000, output: 5_000_000 }],
    ['gpt-4o-transcribe-2025-03-20', { audioInput: 6_000_000, textInput: 2_500_000, output: 10_000_000 }],
  ])('%s', (model, price) => {
    expect(pricing.audioTokenPrice(model)).toEqual(price);
  });

  test('whisper-1 has no token price (it is billed by the minute)', () => {
    expect(pricing.audioTokenPrice('whisper-1')).toBeUndefined();
    expect(pricing.audioTokenCost('whisper-1', { audioTokens: 1, textTokens: 0, outputTokens: 0 })).toMatchObject({ known: false });
  });

  test('each kind of token at its own price, rounded up once', () => {
    // 1000 audio × $6 + 10 text × $2.50 + 200 out × $10, per 1M = 6000 + 25 + 2000 micro-dollars.
    expect(pricing.audioTokenCost('gpt-4o-transcribe', { audioTokens: 1000, textTokens: 10, outputTokens: 200 })).toMatchObject({ known: true, micros: 8025 });
    expect(pricing.audioTokenCost('gpt-4o-mini-transcribe', { audioTokens: 1, textTokens: 0, outputTokens: 0 })).toMatchObject({ micros: 3 });
  });

  test('PRICING_FILE overrides them, in dollars per 1M', () => {
    const overrides = parsePricingFile('{"audioTokens":{"gpt-4o-transcribe":{"audioInput":7,"textInput":3,"output":12}}}', 'p.json');
    expect(overrides.audioTokens).toEqual({ 'gpt-4o-transcribe': { audioInput: 7_000_000, textInput: 3_000_000, output: 12_000_000 } });
    const custom = createPricing({ overrides });
    expect(custom.audioTokenCost('gpt-4o-transcribe', { audioTokens: 1_000_000, textTokens: 0, outputTokens: 0 })).toMatchObject({ micros: 7_000_000 });
    expect(custom.audioTokenPrice('gpt-4o-mini-transcribe')).toMatchObject({ audioInput: 3_000_000 });
  });

  test('a PRICING_FILE entry missing a kind is refused', () => {
    expect(() => parsePricingFile('{"audioTokens":{"x":{"audioInput":1,"output":2}}}', 'p.json')).toThrow(/audioTokens\.x\.textInput: is required/);
  });
});
