/**
 * Usage that counts the answer but not the prompt (some proxies send `prompt_tokens: 0`, or leave it out): a prompt is
 * never 0 tokens, so the bot charges its own count for it and keeps the output the server reported.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const freshChannel = channelPool();
interface LedgerRow { state: string; charged: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, charged_micros AS charged, input_tokens AS inputTokens, output_tokens AS outputTokens
  FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];
const stored = (channelId: string) => h.bot.ctx.db.prepare(`SELECT prompt_tokens AS prompt, completion_tokens AS completion FROM turns
  WHERE channel_id = ? AND role = 'assistant'`).get(channelId);

const QUESTION = 'How many tokens does this question take?';
const ANSWER = 'A proxy counted this answer but not the question.';
/** An output count unlike the bot's own count of ANSWER, so the test tells which one was charged. */
const REPORTED_OUTPUT = 42;

async function ask(channelId: string) {
  const i = h.command('ask', { prompt: QUESTION }, { channelId });
  await h.settled(i);
  return i;
}

describe('usage without a prompt count', () => {
  test.each<[string, { usage?: { prompt_tokens: number; completion_tokens: number }; usageAsSent?: Record<string, unknown> }]>([
    ['prompt_tokens 0', { usage: { prompt_tokens: 0, completion_tokens: REPORTED_OUTPUT } }],
    ['no prompt_tokens at all', { usageAsSent: { completion_tokens: REPORTED_OUTPUT, total_tokens: REPORTED_OUTPUT } }],
    ['prompt_tokens null', { usageAsSent: { prompt_tokens: null, completion_tokens: REPORTED_OUTPUT, total_tokens: REPORTED_OUTPUT } }],
  ])('%s beside a counted answer: the prompt is charged the bot\'s own count, the reported output kept', async (_name, usage) => {
    // The bot's own count of the same prompt (an empty channel each time), as a call without usage charges it.
    const counted = freshChannel();
    h.openai.compat = { noUsage: true };
    h.openai.chat.enqueue({ text: ANSWER });
    await ask(counted);
    const ownPrompt = ledger(counted)[0]!.inputTokens!;
    expect(ownPrompt).toBeGreaterThan(0);
    expect(ledger(counted)[0]!.outputTokens).not.toBe(REPORTED_OUTPUT);

    h.openai.compat = {};
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, ...usage });
    expect((await ask(channelId)).transcript()).toEqual([ANSWER]);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: ownPrompt, outputTokens: REPORTED_OUTPUT });
    expect(row!.charged).toBe(h.bot.ctx.services.pricing.chatCost('gpt-4o-mini', { promptTokens: ownPrompt, completionTokens: REPORTED_OUTPUT, cachedTokens: 0 }));
    // The stored exchange keeps the output the server reported, and no prompt count it didn't give.
    expect(stored(channelId)).toEqual({ prompt: null, completion: REPORTED_OUTPUT });
  });

  test('a reported prompt is still charged as reported (the bot\'s count only stands in for a missing one)', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: ANSWER, usage: { prompt_tokens: 1234, completion_tokens: REPORTED_OUTPUT } });
    await ask(channelId);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: 1234, outputTokens: REPORTED_OUTPUT }]);
    expect(stored(channelId)).toEqual({ prompt: 1234, completion: REPORTED_OUTPUT });
  });
});
