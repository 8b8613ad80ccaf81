import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

// Proxies name OpenAI's models with the provider first (OpenRouter and LiteLLM: `openai/o1`) and bill OpenAI's price
// for them. Such a name matched no price, so on a compatible server (UNPRICED_MODELS=fallback, the default there) an
// admin could pick OpenAI's dearest model and have it charged like gpt-4o: o1 at $2.50 / $10 instead of $15 / $60.
const MANAGE_GUILD = String(1n << 5n);
const PROXIED = 'openai/o1';

describe('an OpenAI model named the way proxies name it', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ openai: { models: [...DEFAULT_MODELS, PROXIED] } }); });
  afterAll(async () => { await h?.close(); });

  test('is charged OpenAI\'s price for that model, not the fallback\'s, within its reservation', async () => {
    expect(h.bot.ctx.config.unpricedModels).toBe('fallback');
    const channelId = TEST_CHANNEL_IDS[34]!;
    await h.settled(h.command('settings', { name: PROXIED }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: 'Forty-two.', usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    const ask = h.command('ask', { prompt: 'What is six times seven?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Forty-two.');
    expect((h.openai.chat.lastRequest as { model: string }).model).toBe(PROXIED);
    const row = h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE channel_id = ?').get(channelId) as { state: string; reserved: number; charged: number };
    // 1,000 × $15 + 100 × $60 per 1M.
    expect(row).toMatchObject({ state: 'settled', charged: 21_000 });
    expect(row.reserved).toBeGreaterThanOrEqual(row.charged);
  });

  test.each([
    ['openai/gpt-4o-mini', true, 150_000],
    ['openai/gpt-4o-search-preview', true, 2_500_000],
    // Open-weight models served under OpenAI's name by others have no OpenAI price: still the fallback.
    ['openai/gpt-oss-120b', false, 2_500_000],
    ['anthropic/claude-opus-4', false, 2_500_000],
  ])('%s: priced %s, input %i µ$ per 1M', (model, known, input) => {
    const resolved = h.bot.ctx.services.pricing.resolveChat(model);
    expect(resolved).toMatchObject({ model, known, price: { input } });
  });
  test('the search fee follows the proxied name', () => {
    expect(h.bot.ctx.services.pricing.chatCost('openai/gpt-4o-search-preview', { promptTokens: 0, completionTokens: 0 })).toBe(35_000);
  });
});
