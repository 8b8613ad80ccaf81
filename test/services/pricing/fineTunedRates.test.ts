import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

// A fine-tuned model is billed at its own rates, above its base's. o4-mini tuned by reinforcement fine-tuning costs
// $4 / $1 cached / $16 per 1M tokens against o4-mini's $1.10 / $0.275 / $4.40 (pricing page, "Fine-tuning"): charged at
// the base's rates, every answer (its hidden reasoning included) was charged about a quarter of its bill.
const TUNED = 'ft:o4-mini-2025-04-16:acme:support:Bx7Kq2Lm';
const MANAGE_GUILD = String(1n << 5n);

describe('a reinforcement-fine-tuned o4-mini', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { UNPRICED_MODELS: 'refuse', REASONING_MAX_OUTPUT_TOKENS: '4096' }, openai: { models: [...DEFAULT_MODELS, TUNED] } });
  });
  afterAll(async () => { await h?.close(); });

  test('is charged its fine-tuned rates, hidden reasoning included, within its reservation', async () => {
    const channelId = TEST_CHANNEL_IDS[33]!;
    await h.settled(h.command('settings', { name: TUNED }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: 'Reset it from the admin page.', usage: { prompt_tokens: 1000, completion_tokens: 600, cached_tokens: 200 }, reasoningTokens: 500 });
    const ask = h.command('ask', { prompt: 'How do I reset my password?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Reset it from the admin page.');
    const row = h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE channel_id = ?').get(channelId) as { state: string; reserved: number; charged: number };
    // 800 × $4 + 200 × $1 + 600 × $16 per 1M = 3,200 + 200 + 9,600 µ$.
    expect(row).toMatchObject({ state: 'settled', charged: 13_000 });
    expect(row.reserved).toBeGreaterThanOrEqual(row.charged);
  });
});
