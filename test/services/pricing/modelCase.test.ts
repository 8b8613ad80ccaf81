import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

// OpenAI's API refuses a model id in another case (`GPT-4o`: model_not_found, 404, nothing billed), but ALLOWED_MODELS
// ignores case and a compatible server or proxy may take such a name and bill the model it names. Prices were looked
// up case-sensitively: `O1` was unpriced, so on a compatible server (UNPRICED_MODELS=fallback) it was charged like
// gpt-4o, $2.50 / $10 per 1M instead of o1's $15 / $60.
const MANAGE_GUILD = String(1n << 5n);

describe('a model name in another case is priced as that model', () => {
  const pricing = createPricing({ overrides: { chat: { 'My-Local-Model': { input: 7_000_000, cachedInput: 7_000_000, output: 9_000_000 }, 'GPT-4O': { input: 1, cachedInput: 1, output: 1 } } } });

  test.each([
    ['GPT-4o-2024-08-06', 'gpt-4o', 2_500_000],
    ['O1', 'o1', 15_000_000],
    ['OpenAI/O1', 'o1', 15_000_000],
    ['FT:gpt-4o-2024-08-06:my-org::AbC123', 'ft:gpt-4o', 3_750_000],
    ['ft:GPT-4o-2024-08-06:my-org::AbC123', 'ft:gpt-4o', 3_750_000],
    ['my-local-model', 'My-Local-Model', 7_000_000],
    ['MY-LOCAL-MODEL', 'My-Local-Model', 7_000_000],
  ])('%s: priced from %s (input %i µ$ per 1M)', (model, from, input) => {
    expect(pricing.resolveChat(model)).toMatchObject({ model, known: true, resolvedFrom: from, price: { input } });
  });

  test('the exact spelling wins over another case', () => {
    expect(pricing.resolveChat('gpt-4o')).toMatchObject({ resolvedFrom: 'gpt-4o', source: 'builtin', price: { input: 2_500_000 } });
    expect(pricing.resolveChat('GPT-4O')).toMatchObject({ resolvedFrom: 'GPT-4O', source: 'override', price: { input: 1 } });
  });

  test('limits and worst cases follow the same rule', () => {
    expect(pricing.contextWindow('GPT-4o')).toBe(pricing.contextWindow('gpt-4o'));
    expect(pricing.chatWorstCase('O1', 1_000, 100)).toBe(pricing.chatWorstCase('o1', 1_000, 100));
  });
});

describe('through the bot, on a server that serves a model named in capitals', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ openai: { models: [...DEFAULT_MODELS, 'O1'] } }); });
  afterAll(async () => { await h?.close(); });

  test('/settings model O1 sets it as priced, and an answer is charged o1\'s price, within its reservation', async () => {
    expect(h.bot.ctx.config.unpricedModels).toBe('fallback');
    const channelId = TEST_CHANNEL_IDS[35]!;
    const set = h.command('settings', { name: 'O1' }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD });
    await h.settled(set);
    // No "this model has no price" warning: it has o1's.
    expect(set.transcript().join('\n')).not.toMatch(/price/i);
    h.openai.chat.enqueue({ text: 'Forty-two.', usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    const ask = h.command('ask', { prompt: 'What is six times seven?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Forty-two.');
    expect((h.openai.chat.lastRequest as { model: string }).model).toBe('O1');
    const row = h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE channel_id = ?').get(channelId) as { state: string; reserved: number; charged: number };
    // 1,000 × $15 + 100 × $60 per 1M (the fallback charged 3,500).
    expect(row).toMatchObject({ state: 'settled', charged: 21_000 });
    expect(row.reserved).toBeGreaterThanOrEqual(row.charged);
  });
});
