import { describe, expect, test } from 'vitest';
import { createPricing, fineTuneBase, stripSnapshot } from '../../../src/services/pricing/index.ts';

const pricing = createPricing();

describe('stripSnapshot', () => {
  test.each([
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['gpt-3.5-turbo-0613', 'gpt-3.5-turbo'],
    ['gpt-3.5-turbo-16k-0613', 'gpt-3.5-turbo-16k'],
    ['gpt-4-32k-0314', 'gpt-4-32k'],
    ['gpt-4o', undefined],
    ['gpt-4-0125-preview', undefined],
    ['gpt-4-turbo-preview', undefined],
    ['model-9999', undefined], // not a month and day
    ['llama3.1:8b', undefined],
  ])('%s → %s', (name, base) => {
    expect(stripSnapshot(name)).toBe(base);
  });
});

describe('fineTuneBase', () => {
  test.each([
    ['ft:gpt-4o-mini-2024-07-18:org:suffix:id', 'gpt-4o-mini-2024-07-18'],
    ['ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 'gpt-3.5-turbo-0613'],
    ['gpt-4o-mini', undefined],
    ['ft:', undefined],
  ])('%s → %s', (name, base) => {
    expect(fineTuneBase(name)).toBe(base);
  });
});

describe('chat model resolution', () => {
  test.each([
    ['exact name', 'gpt-4o-mini', 'gpt-4o-mini', 150_000],
    ['dated snapshot', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini', 150_000],
    ['dated snapshot of gpt-4.1', 'gpt-4.1-2025-04-14', 'gpt-4.1', 2_000_000],
    ['MMDD snapshot', 'gpt-3.5-turbo-0613', 'gpt-3.5-turbo-0613', 1_500_000],
    ['16k MMDD snapshot keeps 16k', 'gpt-3.5-turbo-16k-0613', 'gpt-3.5-turbo-16k', 3_000_000],
    ['gpt-4 snapshot', 'gpt-4-0613', 'gpt-4', 30_000_000],
    ['snapshot priced apart from its base', 'gpt-4o-2024-05-13', 'gpt-4o-2024-05-13', 5_000_000],
    ['newer gpt-4o snapshot', 'gpt-4o-2024-11-20', 'gpt-4o', 2_500_000],
    ['fine-tuned gpt-4o-mini', 'ft:gpt-4o-mini-2024-07-18:org:suffix:id', 'ft:gpt-4o-mini', 300_000],
    ['fine-tuned gpt-3.5-turbo (tutorial)', 'ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 'ft:gpt-3.5-turbo', 12_000_000],
    ['fine-tuned gpt-4.1-mini', 'ft:gpt-4.1-mini-2025-04-14:acme::abc123', 'ft:gpt-4.1-mini', 800_000],
  ])('%s: %s → %s', (_case, model, resolvedFrom, input) => {
    const resolved = pricing.resolveChat(model);
    expect(resolved).toMatchObject({ model, known: true, resolvedFrom });
    expect(resolved.price.input).toBe(input);
  });

  test('a fine-tune whose fine-tuned rates the bot lacks is unpriced (OpenAI bills it above its base), and a fallback charge is never below its base', () => {
    // gpt-4-0613 fine-tunes: base gpt-4 is $30 / $60, above the fallback's gpt-4o rates.
    expect(pricing.resolveChat('ft:gpt-4-0613:acme::x1')).toMatchObject({ known: false, source: 'fallback', price: { input: 30_000_000, output: 60_000_000 } });
    // A base cheaper than the fallback (gpt-3.5-turbo-instruct, $1.50 / $2): the fallback's rates (gpt-4o, $2.50 / $10).
    expect(pricing.resolveChat('ft:gpt-3.5-turbo-instruct:acme::x1').price).toMatchObject({ input: 2_500_000, output: 10_000_000 });
  });

  test('fine-tuned gpt-4o-mini output is $1.20 per 1M', () => {
    expect(pricing.resolveChat('ft:gpt-4o-mini-2024-07-18:org:suffix:id').price.output).toBe(1_200_000);
  });

  test('fine-tuned gpt-4.1-mini output is $3.20 per 1M', () => {
    expect(pricing.resolveChat('ft:gpt-4.1-mini-2025-04-14:acme::abc123').price.output).toBe(3_200_000);
  });
});

describe('unknown models', () => {
  const gpt4o = pricing.resolveChat('gpt-4o').price;

  test.each([['llama3.1:8b'], ['qwen2.5:7b-instruct'], ['ft:llama3:org::id'], ['gpt-9']])('%s → fallback (gpt-4o price), known: false', (model) => {
    expect(pricing.resolveChat(model)).toEqual({ model, known: false, source: 'fallback', resolvedFrom: 'fallback', price: gpt4o });
  });

  test('the fallback price is configurable', () => {
    const custom = createPricing({ fallbackChat: { input: 1, cachedInput: 1, output: 2 } });
    expect(custom.resolveChat('llama3.1:8b').price).toEqual({ input: 1, cachedInput: 1, output: 2 });
    expect(custom.chatCost('llama3.1:8b', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(3);
  });

  test('the constructor option wins over the file fallback', () => {
    const custom = createPricing({
      overrides: { fallbackChat: { input: 5, cachedInput: 5, output: 5 } },
      fallbackChat: { input: 1, cachedInput: 1, output: 2 },
    });
    expect(custom.resolveChat('llama3.1:8b').price.input).toBe(1);
  });

  test('without an option, the file fallback is used', () => {
    const custom = createPricing({ overrides: { fallbackChat: { input: 5, cachedInput: 5, output: 5 } } });
    expect(custom.resolveChat('llama3.1:8b').price.input).toBe(5);
  });

  test('an overridden gpt-4o price moves the default fallback with it', () => {
    const custom = createPricing({ overrides: { chat: { 'gpt-4o': { input: 7, cachedInput: 7, output: 7 } } } });
    expect(custom.resolveChat('llama3.1:8b').price).toEqual({ input: 7, cachedInput: 7, output: 7 });
  });
});

describe('context window and max output tokens', () => {
  test.each([
    ['gpt-4o-mini', 128_000, 16_384],
    ['gpt-4o-mini-2024-07-18', 128_000, 16_384],
    ['ft:gpt-4o-mini-2024-07-18:org:suffix:id', 128_000, 16_384],
    ['gpt-4.1', 1_047_576, 32_768],
    ['gpt-4', 8192, 8192],
    ['gpt-4-32k', 32_768, 8192],
    ['gpt-3.5-turbo-0613', 4096, 4096], // ours: gpt-tokenizer says 16,385, the 16K model's window
    ['gpt-3.5-turbo-16k', 16_385, 4096],
    ['gpt-3.5-turbo-16k-0613', 16_385, 4096],
    ['llama3.1:8b', undefined, undefined],
  ])('%s: %s / %s', (model, contextWindow, maxOutput) => {
    expect(pricing.contextWindow(model)).toBe(contextWindow);
    expect(pricing.maxOutputTokens(model)).toBe(maxOutput);
  });

  test('a PRICING_FILE entry can give a local model its limits', () => {
    const custom = createPricing({ overrides: { chat: { 'llama3.1:8b': { input: 0, cachedInput: 0, output: 0, contextWindow: 131_072, maxOutputTokens: 8192 } } } });
    expect(custom.contextWindow('llama3.1:8b')).toBe(131_072);
    expect(custom.maxOutputTokens('llama3.1:8b')).toBe(8192);
    expect(custom.resolveChat('llama3.1:8b')).toMatchObject({ known: true, source: 'override' });
  });
});
