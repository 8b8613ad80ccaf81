import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

// OpenAI's search models look the web up on every Chat Completions request and bill that search per call, on top of
// their tokens (pricing page, "Web search": $35 per 1,000 calls for gpt-4o-search-preview and $27.50 for
// gpt-4o-mini-search-preview at the default medium search context). An admin who picks one with /settings model
// (in a server of their own, under the server ceiling) must not get answers charged a fraction of what OpenAI bills.
const MANAGE_GUILD = String(1n << 5n);
const SEARCH_MODELS = ['gpt-4o-search-preview', 'gpt-4o-mini-search-preview'];

type Row = { model: string; state: string; reserved: number; charged: number };
const rowsIn = (h: BotHarness, channelId: string) =>
  h.bot.ctx.db.prepare('SELECT model, state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE channel_id = ? ORDER BY id').all(channelId) as Row[];

describe('search models: the web search OpenAI bills per request is reserved and charged', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { UNPRICED_MODELS: 'refuse', MAX_OUTPUT_TOKENS: '1024' }, openai: { models: [...DEFAULT_MODELS, ...SEARCH_MODELS] } });
  });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });

  test.each([
    // model, channel, tokens at $2.50 / $10 per 1M (40 in, 12 out) + $0.035 a search; $0.15 / $0.60 + $0.0275.
    ['gpt-4o-search-preview', 0, 100 + 120 + 35_000],
    ['gpt-4o-mini-search-preview', 1, 6 + 8 + 27_500],
  ])('/ask on %s: charged its tokens plus the search, and the reservation covered both', async (model, n, expected) => {
    const channelId = TEST_CHANNEL_IDS[30 + n]!;
    const set = h.command('settings', { name: model }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD });
    await h.settled(set);
    expect((set.callbacks[0]!.data as { content: string }).content).toContain(`now uses \`${model}\``);

    h.openai.chat.enqueue({ text: 'Sunny, 21 °C.', usage: { prompt_tokens: 40, completion_tokens: 12 } });
    const ask = h.command('ask', { prompt: 'Weather in Taipei today?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toBe('Sunny, 21 °C.');
    expect((h.openai.chat.lastRequest as { model: string }).model).toBe(model);

    const [row] = rowsIn(h, channelId);
    expect(row).toMatchObject({ model, state: 'settled', charged: expected });
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });

  test('a search answer that failed after its first words is charged the search too', async () => {
    const channelId = TEST_CHANNEL_IDS[32]!;
    h.bot.ctx.services.settings.updateChannel({ guildId: h.bot.ctx.config.devGuildId!, channelId, parentId: null }, { model: 'gpt-4o-search-preview' }, '100000000000000001');
    h.openai.chat.enqueue({ streamError: { message: 'upstream failed', type: 'server_error' }, text: 'Partly cloudy and', afterChunks: 1 });
    await h.settled(h.command('ask', { prompt: 'Weather in Tainan today?' }, { channelId }));
    const [row] = rowsIn(h, channelId);
    expect(row!.state).toBe('settled');
    expect(row!.charged).toBeGreaterThan(35_000);
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });
});
