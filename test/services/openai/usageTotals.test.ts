/**
 * Usage whose counts leave part of the bill out, as compatible servers and proxies send it: a total that holds
 * output the output count doesn't (Gemini's thinking through a proxy that maps only the visible answer), a total
 * alone, a prompt count alone, and a reasoning model's output counted as 0. Each is charged at least what the counts
 * it did send say was billed, and never past the output allowance the request was sent with.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' }, openai: { models: [...DEFAULT_MODELS, 'o4-mini'] } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const MODEL = 'gpt-4o-mini';
const MANAGE_GUILD = String(1n << 5n);
const freshChannel = channelPool();
interface LedgerRow { state: string; charged: number; reserved: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, charged_micros AS charged, reserved_micros AS reserved, input_tokens AS inputTokens, output_tokens AS outputTokens
  FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];
const cost = (model: string, row: LedgerRow) => h.bot.ctx.services.pricing.chatCost(model, { promptTokens: row.inputTokens!, completionTokens: row.outputTokens!, cachedTokens: 0 });
/** The output allowance the last chat request was sent with. */
const allowance = () => {
  const sent = h.openai.chat.lastRequest!;
  return (sent.max_completion_tokens ?? sent.max_tokens)!;
};
const ANSWER = 'A short visible answer, after a long think nobody saw.';
const ownOutput = (model = MODEL) => h.bot.ctx.services.tokens.weigh(h.bot.ctx.services.tokens.countMessage(ANSWER), model);

async function ask(channelId: string, prompt = 'Think it through, then answer briefly.') {
  const i = h.command('ask', { prompt }, { channelId });
  await h.settled(i);
  return i;
}

/** The bot's own count of the prompt `ask` sends in an empty channel, as a call without usage charges it. */
async function ownPrompt(): Promise<number> {
  const channelId = freshChannel();
  h.openai.compat = { noUsage: true };
  h.openai.chat.enqueue({ text: ANSWER });
  await ask(channelId);
  h.openai.compat = {};
  return ledger(channelId)[0]!.inputTokens!;
}

describe('a total larger than prompt and output together', () => {
  test('without reasoning details (Gemini\'s thinking through a proxy that maps only the answer): the difference is charged as output', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent: { prompt_tokens: 20, completion_tokens: 12, total_tokens: 620 } });
    expect((await ask(channelId)).transcript()).toEqual([ANSWER]);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: 20, outputTokens: 600 });
    expect(row!.charged).toBe(cost(MODEL, row!));
  });

  test('past the output allowance: charged the allowance, never more', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent: { prompt_tokens: 20, completion_tokens: 12, total_tokens: 5_000_000 } });
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: 20, outputTokens: allowance() });
    expect(row!.charged).toBeLessThanOrEqual(row!.reserved);
  });
});

describe('usage that leaves the output count out', () => {
  test('only total_tokens: the prompt is the bot\'s count and the rest of the total is output', async () => {
    const prompt = await ownPrompt();
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent: { total_tokens: prompt + 700 } });
    expect((await ask(channelId)).transcript()).toEqual([ANSWER]);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: prompt, outputTokens: 700 });
    expect(row!.charged).toBe(cost(MODEL, row!));
  });

  test('only total_tokens, smaller than what streamed: the bot\'s own counts stand', async () => {
    const prompt = await ownPrompt();
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent: { total_tokens: 3 } });
    await ask(channelId);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: prompt, outputTokens: ownOutput() }]);
  });

  test('only prompt_tokens, more than the bot counted: that prompt is charged, with the bot\'s count of the answer', async () => {
    const prompt = await ownPrompt();
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent: { prompt_tokens: prompt + 1000 } });
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: prompt + 1000, outputTokens: ownOutput() });
    expect(row!.charged).toBe(cost(MODEL, row!));
  });
});

describe('a reasoning model whose output a proxy counted as 0', () => {
  test.each([
    ['completion_tokens 0', { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 }],
    ['no completion_tokens', { prompt_tokens: 30 }],
  ])('%s: its hidden thinking was billed unseen, so the whole allowance is charged, as without usage', async (_name, usageAsSent) => {
    const channelId = freshChannel();
    await h.settled(h.command('settings', { name: 'o4-mini' }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: ANSWER, usageAsSent });
    expect((await ask(channelId)).transcript().at(-1)).toBe(ANSWER);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: 30, outputTokens: allowance() });
    expect(row!.charged).toBe(cost('o4-mini', row!));
    expect(row!.charged).toBeLessThanOrEqual(row!.reserved);
  });
});
