/**
 * What a fine-tuned model's answer and its training cost, for every base the table prices, resolved from the names
 * OpenAI gives fine-tunes (`ft:<base snapshot>:<org>:<suffix>:<id>`). Sources: src/services/pricing/builtinPrices.ts and
 * builtinMedia.ts (BUILTIN_TRAINING). USD per 1M tokens → micro-dollars per 1M tokens.
 */
import { describe, expect, test } from 'vitest';
import { createPricing, parsePricingFile } from '../../../src/services/pricing/index.ts';

const pricing = createPricing();
const M = 1_000_000;

describe('fine-tuned models', () => {
  test.each([
    // gpt-3.5-turbo: OpenAI's launch price ($0.012 / $0.016 per 1K), no prompt cache; every snapshot OpenAI fine-tuned.
    ['ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 'ft:gpt-3.5-turbo', 12, 12, 16],
    ['ft:gpt-3.5-turbo-1106:acme::9aB3xZ1q', 'ft:gpt-3.5-turbo', 12, 12, 16],
    ['ft:gpt-3.5-turbo-0125:acme:support:Ab12Cd34', 'ft:gpt-3.5-turbo', 12, 12, 16],
    ['ft:gpt-4o-mini-2024-07-18:acme::Bx7Kq2Lm', 'ft:gpt-4o-mini', 0.3, 0.15, 1.2],
    ['ft:gpt-4o-2024-08-06:acme::Bx7Kq2Lm', 'ft:gpt-4o', 3.75, 1.875, 15],
    ['ft:gpt-4.1-2025-04-14:acme::Bx7Kq2Lm', 'ft:gpt-4.1', 3, 0.75, 12],
    ['ft:gpt-4.1-mini-2025-04-14:acme::Bx7Kq2Lm', 'ft:gpt-4.1-mini', 0.8, 0.2, 3.2],
    ['ft:gpt-4.1-nano-2025-04-14:acme::Bx7Kq2Lm', 'ft:gpt-4.1-nano', 0.2, 0.05, 0.8],
    ['ft:o4-mini-2025-04-16:acme:support:Bx7Kq2Lm', 'ft:o4-mini', 4, 1, 16],
  ])('%s is charged %s\'s rates', (model, row, input, cachedInput, output) => {
    const [i, c, o] = [input, cachedInput, output].map((usd) => Math.round(usd * M)) as [number, number, number];
    const resolved = pricing.resolveChat(model);
    expect(resolved).toMatchObject({ known: true, source: 'builtin', resolvedFrom: row });
    expect(resolved.price).toMatchObject({ input: i, cachedInput: c, output: o });
    // 1M tokens in (half of them cached) and 1M out.
    expect(pricing.chatCost(model, { promptTokens: M, cachedTokens: M / 2, completionTokens: M })).toBe((i + c) / 2 + o);
  });

  test.each([
    ['gpt-3.5-turbo-0125', 8],
    ['gpt-3.5-turbo-0613', 8],
    ['gpt-4o-mini-2024-07-18', 3],
    ['gpt-4o-2024-08-06', 25],
    ['gpt-4.1-2025-04-14', 25],
    ['gpt-4.1-mini-2025-04-14', 5],
    ['gpt-4.1-nano-2025-04-14', 1.5],
  ])('training %s costs $%d per 1M trained tokens', (base, usd) => {
    expect(pricing.trainingCost(base, M)).toMatchObject({ known: true, micros: usd * M });
  });

  test('o4-mini is trained by reinforcement fine-tuning, billed by the hour: no token price for it', () => {
    expect(pricing.trainingCost('o4-mini-2025-04-16', M)).toMatchObject({ known: false });
  });

  test('a PRICING_FILE entry for ft:gpt-3.5-turbo replaces the kept rates for every gpt-3.5-turbo fine-tune', () => {
    const overrides = parsePricingFile(JSON.stringify({ chat: { 'ft:gpt-3.5-turbo': { input: 3, output: 6 } } }), 'prices.json');
    const resolved = createPricing({ overrides }).resolveChat('ft:gpt-3.5-turbo-0125:acme:support:Ab12Cd34');
    expect(resolved).toMatchObject({ known: true, resolvedFrom: 'ft:gpt-3.5-turbo', price: { input: 3 * M, output: 6 * M } });
  });
});
