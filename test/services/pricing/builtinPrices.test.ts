import { describe, expect, test } from 'vitest';
import { BUILTIN_CHAT } from '../../../src/services/pricing/builtinPrices.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { tokenizerChatPrice } from '../../../src/services/pricing/tokenizerPrices.ts';
import * as tokenizerModels from 'gpt-tokenizer/models';

const pricing = createPricing();

// Expected values are written out in micro-dollars per 1M tokens, independently of the code's USD → micro conversion.
const CHAT: Array<[model: string, input: number, cachedInput: number, output: number, perRequest?: number]> = [
  ['gpt-3.5-turbo', 1_500_000, 1_500_000, 2_000_000],
  ['gpt-3.5-turbo-0301', 1_500_000, 1_500_000, 2_000_000],
  ['gpt-3.5-turbo-0613', 1_500_000, 1_500_000, 2_000_000],
  ['gpt-3.5-turbo-16k', 3_000_000, 3_000_000, 4_000_000],
  ['gpt-3.5-turbo-0125', 500_000, 500_000, 1_500_000],
  ['gpt-3.5-turbo-1106', 1_000_000, 1_000_000, 2_000_000],
  ['gpt-4', 30_000_000, 30_000_000, 60_000_000],
  ['gpt-4-32k', 60_000_000, 60_000_000, 120_000_000],
  ['ft:gpt-3.5-turbo', 12_000_000, 12_000_000, 16_000_000],
  ['gpt-4o', 2_500_000, 1_250_000, 10_000_000],
  ['gpt-4o-2024-05-13', 5_000_000, 5_000_000, 15_000_000],
  ['gpt-4o-mini', 150_000, 75_000, 600_000],
  // Search models: a web search billed per request on top of the tokens ($35 and $27.50 per 1,000 calls).
  ['gpt-4o-search-preview', 2_500_000, 2_500_000, 10_000_000, 35_000],
  ['gpt-4o-mini-search-preview', 150_000, 150_000, 600_000, 27_500],
  ['gpt-4.1', 2_000_000, 500_000, 8_000_000],
  ['gpt-4.1-mini', 400_000, 100_000, 1_600_000],
  ['gpt-4.1-nano', 100_000, 25_000, 400_000],
  ['gpt-4.5-preview', 75_000_000, 37_500_000, 150_000_000],
  ['gpt-5', 1_250_000, 125_000, 10_000_000],
  ['gpt-5-chat-latest', 1_250_000, 125_000, 10_000_000],
  ['gpt-5-mini', 250_000, 25_000, 2_000_000],
  ['gpt-5-nano', 50_000, 5_000, 400_000],
  ['gpt-5.1', 1_250_000, 125_000, 10_000_000],
  ['gpt-5.1-chat-latest', 1_250_000, 125_000, 10_000_000],
  ['gpt-5.1-codex', 1_250_000, 125_000, 10_000_000],
  ['gpt-5.1-codex-max', 1_250_000, 125_000, 10_000_000],
  ['gpt-5.1-codex-mini', 250_000, 25_000, 2_000_000],
  ['gpt-5.2', 1_750_000, 175_000, 14_000_000],
  ['gpt-5.2-chat-latest', 1_750_000, 175_000, 14_000_000],
  ['gpt-5.4', 2_500_000, 250_000, 15_000_000],
  ['gpt-5-pro', 15_000_000, 15_000_000, 120_000_000],
  ['gpt-5.2-pro', 21_000_000, 21_000_000, 168_000_000],
  ['codex-mini-latest', 1_500_000, 375_000, 6_000_000],
  ['o1', 15_000_000, 7_500_000, 60_000_000],
  ['o1-preview', 15_000_000, 7_500_000, 60_000_000],
  ['o1-mini', 1_100_000, 550_000, 4_400_000],
  ['o1-pro', 150_000_000, 150_000_000, 600_000_000],
  ['o3', 2_000_000, 500_000, 8_000_000],
  ['o3-mini', 1_100_000, 550_000, 4_400_000],
  ['o3-pro', 20_000_000, 20_000_000, 80_000_000],
  ['o4-mini', 1_100_000, 275_000, 4_400_000],
  ['ft:gpt-4o-mini', 300_000, 150_000, 1_200_000],
  ['ft:gpt-4o', 3_750_000, 1_875_000, 15_000_000],
  ['ft:gpt-4.1', 3_000_000, 750_000, 12_000_000],
  ['ft:gpt-4.1-mini', 800_000, 200_000, 3_200_000],
  ['ft:gpt-4.1-nano', 200_000, 50_000, 800_000],
  ['ft:o4-mini', 4_000_000, 1_000_000, 16_000_000],
];

describe('built-in chat prices (micro-dollars per 1M tokens)', () => {
  test.each(CHAT)('%s: input %i, cached %i, output %i', (model, input, cachedInput, output, perRequest) => {
    const resolved = pricing.resolveChat(model);
    expect(resolved).toMatchObject({ known: true, source: 'builtin', resolvedFrom: model });
    const { price } = resolved;
    expect({ input: price.input, cachedInput: price.cachedInput, output: price.output, perRequest: price.perRequest }).toEqual({ input, cachedInput, output, perRequest: perRequest || undefined });
  });

  test('a per-request fee is charged once per call, whatever the tokens', () => {
    expect(pricing.chatCost('gpt-4o-search-preview', { promptTokens: 0, completionTokens: 0 })).toBe(35_000);
    expect(pricing.chatCost('gpt-4o-search-preview-2025-03-11', { promptTokens: 1000, completionTokens: 1000 })).toBe(2500 + 10_000 + 35_000);
    expect(pricing.chatWorstCase('gpt-4o-mini-search-preview', 1000, 1000)).toBe(150 + 600 + 27_500);
  });

  // developers.openai.com/api/docs/models/gpt-5.4: past 272K prompt tokens, 2x input and 1.5x output (cached input: 2x, assumed).
  test.each([
    ['gpt-5.4', 'gpt-5.4'],
    ['gpt-5.4-2026-03-05', 'gpt-5.4'],
  ])('%s has the long-context tier of OpenAI\'s gpt-5.4 page', (model, resolvedFrom) => {
    expect(pricing.resolveChat(model)).toMatchObject({ known: true, resolvedFrom });
    expect(pricing.resolveChat(model).price.longContext).toEqual({ aboveInputTokens: 272_000, input: 5_000_000, cachedInput: 500_000, output: 22_500_000 });
  });

  test('no other built-in row has a long-context tier (none published for them)', () => {
    const tiered = Object.keys(BUILTIN_CHAT).filter((model) => pricing.resolveChat(model).price.longContext !== undefined);
    expect(tiered).toEqual(['gpt-5.4']);
  });

  test('gpt-5.4\'s context window and output limit are those of OpenAI\'s page (1,050,000 and 128,000): no override needed', () => {
    expect(pricing.contextWindow('gpt-5.4')).toBe(1_050_000);
    expect(pricing.maxOutputTokens('gpt-5.4')).toBe(128_000);
    expect(pricing.contextWindow('gpt-5.4-2026-03-05')).toBe(1_050_000);
  });

  test('every built-in chat row has a test row', () => {
    expect(Object.keys(BUILTIN_CHAT).sort()).toEqual(CHAT.map(([model]) => model).sort());
  });

  test('all prices are integers', () => {
    for (const entry of Object.values(BUILTIN_CHAT)) {
      for (const value of [entry.input, entry.cachedInput, entry.output]) expect(Number.isInteger(value)).toBe(true);
    }
  });
});

describe("the tutorial's legacy prices (per 1K tokens there)", () => {
  test.each([
    ['gpt-3.5-turbo 4K input $0.0015/1K', 'gpt-3.5-turbo', 1000, 0, 1500],
    ['gpt-3.5-turbo 16K input $0.003/1K', 'gpt-3.5-turbo-16k', 1000, 0, 3000],
    ['gpt-3.5-turbo 16K output $0.004/1K', 'gpt-3.5-turbo-16k', 0, 1000, 4000],
    ['gpt-4 8K input $0.03/1K', 'gpt-4', 1000, 0, 30_000],
    ['gpt-4 8K output $0.06/1K', 'gpt-4', 0, 1000, 60_000],
    ['gpt-4 32K input $0.06/1K', 'gpt-4-32k', 1000, 0, 60_000],
    ['gpt-4 32K output $0.12/1K', 'gpt-4-32k', 0, 1000, 120_000],
    ['fine-tuned usage input $0.012/1K', 'ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 1000, 0, 12_000],
    ['fine-tuned usage output $0.016/1K', 'ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 0, 1000, 16_000],
  ])('%s', (_case, model, promptTokens, completionTokens, micros) => {
    expect(pricing.chatCost(model, { promptTokens, completionTokens })).toBe(micros);
  });

  test('gpt-3.5-turbo 4K output: the tutorial prints $0.02/1K, a typo for the published $0.002/1K', () => {
    const perThousand = pricing.chatCost('gpt-3.5-turbo', { promptTokens: 0, completionTokens: 1000 });
    expect(perThousand).toBe(2000); // $0.002
    expect(perThousand).not.toBe(20_000); // the tutorial's misprint
  });

  test('fine-tuning training $0.008/1K and embeddings (ada-002) $0.0001/1K', () => {
    expect(pricing.trainingCost('gpt-3.5-turbo', 1000)).toMatchObject({ known: true, micros: 8000 });
    expect(pricing.embeddingCost('text-embedding-ada-002', 1000)).toMatchObject({ known: true, micros: 100 });
  });
});

describe('prices from gpt-tokenizer', () => {
  test('unit is USD per 1M tokens: its gpt-4 matches the tutorial', () => {
    expect(tokenizerChatPrice('gpt-4')?.price).toEqual({ input: 30_000_000, cachedInput: 30_000_000, output: 60_000_000 });
  });

  test.each([
    ['gpt-4-turbo', 10_000_000, 30_000_000],
    ['gpt-4-turbo-2024-04-09', 10_000_000, 30_000_000],
    ['chatgpt-4o-latest', 5_000_000, 15_000_000],
    ['gpt-3.5-turbo-instruct', 1_500_000, 2_000_000],
    ['gpt-5-codex', 1_250_000, 10_000_000],
  ])('%s is priced from gpt-tokenizer (%i in, %i out, cached = input)', (model, input, output) => {
    expect(pricing.resolveChat(model)).toMatchObject({ known: true, source: 'gpt-tokenizer', price: { input, cachedInput: input, output } });
  });

  // OpenAI chat models gpt-tokenizer lists without a price, which neither table prices: they are charged the fallback
  // (gpt-4o's) until PRICING_FILE gives their price. The README names them; a new gpt-tokenizer that adds one fails here.
  test('the OpenAI chat models without a built-in price are exactly the ones the README names', () => {
    const specs = tokenizerModels as unknown as Record<string, { supported_endpoints?: string[] } | undefined>;
    const unpriced = Object.keys(specs).filter((name) => specs[name]?.supported_endpoints?.includes('chat_completions') && !pricing.resolveChat(name).known);
    expect(unpriced.sort()).toEqual([
      'chat-latest', 'daybreak-blue-latest', 'daybreak-red-latest',
      'gpt-5.3-chat-latest', 'gpt-5.4-mini', 'gpt-5.4-mini-2026-03-17', 'gpt-5.4-nano', 'gpt-5.4-nano-2026-03-17',
      'gpt-5.5', 'gpt-5.5-2026-04-23', 'gpt-5.6-cyber', 'gpt-5.6-luna', 'gpt-5.6-sol', 'gpt-5.6-terra',
      'gpt-audio-mini', 'gpt-audio-mini-2025-10-06', 'gpt-audio-mini-2025-12-15',
    ]);
  });

  test('implausible gpt-tokenizer prices (gpt-oss-20b at $0.0002/1M) are ignored: fallback', () => {
    expect(pricing.resolveChat('gpt-oss-20b')).toMatchObject({ known: false, source: 'fallback' });
  });

  test('non-chat models in gpt-tokenizer (dall-e-3, davinci-002) are not chat-priced', () => {
    expect(pricing.resolveChat('dall-e-3').known).toBe(false);
    expect(pricing.resolveChat('davinci-002').known).toBe(false);
  });

  // Canaries: why our table wins over gpt-tokenizer 4.0.0. If one fails, gpt-tokenizer's data changed:
  // re-check whether the built-in row is still needed.
  test.each([
    ['gpt-4o-mini', undefined],
    ['gpt-4.1-mini', undefined],
    ['gpt-4o', { input: 10_000_000, output: 30_000_000 }],
  ])('gpt-tokenizer has no correct price for %s, so the built-in row is used', (model, theirs) => {
    const tokenizer = tokenizerChatPrice(model)?.price;
    expect(tokenizer === undefined ? undefined : { input: tokenizer.input, output: tokenizer.output }).toEqual(theirs);
    expect(pricing.resolveChat(model).source).toBe('builtin');
  });
});

describe('OpenAI\'s regional (data residency) endpoints', () => {
  const regional = createPricing({ regionalProcessing: true });

  test('bill gpt-5.4 (and its snapshot) 10 % more, its long-context tier too', () => {
    for (const model of ['gpt-5.4', 'gpt-5.4-2026-03-05']) {
      expect(regional.chatCost(model, { promptTokens: 100_000, completionTokens: 100_000 })).toBe(275_000 + 1_650_000);
      expect(regional.resolveChat(model).price.longContext).toEqual({ aboveInputTokens: 272_000, input: 5_500_000, cachedInput: 550_000, output: 24_750_000 });
    }
    expect(pricing.chatCost('gpt-5.4', { promptTokens: 100_000, completionTokens: 100_000 })).toBe(250_000 + 1_500_000);
  });

  test('leave models without a published uplift, and the operator\'s own PRICING_FILE figures, as they are', () => {
    expect(regional.chatCost('gpt-4o', { promptTokens: 1_000_000, completionTokens: 0 })).toBe(pricing.chatCost('gpt-4o', { promptTokens: 1_000_000, completionTokens: 0 }));
    const own = createPricing({ regionalProcessing: true, overrides: { chat: { 'gpt-5.4': { input: 3_000_000, cachedInput: 300_000, output: 18_000_000 } } } });
    expect(own.chatCost('gpt-5.4', { promptTokens: 100_000, completionTokens: 0 })).toBe(300_000);
  });
});
