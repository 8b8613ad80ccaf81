import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

// A fine-tuned model is billed at its own rates, above its base's. o4-mini tuned by reinforcement fine-tuning costs
// $4 / $1 cached / $16 per 1M tokens against o4-mini's $1.10 / $0.275 / $4.40 (pricing page, "Fine-tuning"): charged at
// the base's rates, every answer (its hidden reasoning included) was charged about a quarter of its bill.
const TUNED = 'ft:o4-mini-2025-04-16:acme:support:Bx7Kq2Lm';
/** A gpt-3.5-turbo fine-tune, as the tutorial makes one. */
const TUNED_35 = 'ft:gpt-3.5-turbo-0125:acme:tutorial:8BliK0o7';
const MANAGE_GUILD = String(1n << 5n);

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env: { UNPRICED_MODELS: 'refuse', REASONING_MAX_OUTPUT_TOKENS: '4096' }, openai: { models: [...DEFAULT_MODELS, TUNED, TUNED_35] } });
});
afterAll(async () => { await h?.close(); });
const ledgerRow = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, model, reserved_micros AS reserved, charged_micros AS charged
  FROM ledger WHERE channel_id = ?`).get(channelId) as { state: string; model: string; reserved: number; charged: number };

describe('a reinforcement-fine-tuned o4-mini', () => {

  test('is charged its fine-tuned rates, hidden reasoning included, within its reservation', async () => {
    const channelId = TEST_CHANNEL_IDS[33]!;
    await h.settled(h.command('settings', { name: TUNED }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: 'Reset it from the admin page.', usage: { prompt_tokens: 1000, completion_tokens: 600, cached_tokens: 200 }, reasoningTokens: 500 });
    const ask = h.command('ask', { prompt: 'How do I reset my password?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Reset it from the admin page.');
    const row = ledgerRow(channelId);
    // 800 × $4 + 200 × $1 + 600 × $16 per 1M = 3,200 + 200 + 9,600 µ$.
    expect(row).toMatchObject({ state: 'settled', charged: 13_000 });
    expect(row.reserved).toBeGreaterThanOrEqual(row.charged);
  });
});

describe('a fine-tuned gpt-3.5-turbo', () => {
  // OpenAI's fine-tuned gpt-3.5-turbo rates ($12 / $16 per 1M, no prompt cache), not its base's $0.50 / $1.50: see
  // builtinPrices.ts for why these (OpenAI's launch price) are kept.
  test('is charged its fine-tuned rates, cached input at the full input rate, within its reservation', async () => {
    const channelId = TEST_CHANNEL_IDS[34]!;
    await h.settled(h.command('settings', { name: TUNED_35 }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: 'Aaron 最帥。', usage: { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200 } });
    const ask = h.command('ask', { prompt: '誰最帥？' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Aaron 最帥。');
    expect(h.openai.chat.lastRequest).toMatchObject({ model: TUNED_35 });
    const row = ledgerRow(channelId);
    // 1,000 × $12 + 500 × $16 per 1M = 12,000 + 8,000 µ$ (at the base model's rates it would be 500 + 750).
    expect(row).toMatchObject({ state: 'settled', model: TUNED_35, charged: 20_000 });
    expect(row.reserved).toBeGreaterThanOrEqual(row.charged);
  });
});
