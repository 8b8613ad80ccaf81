import { afterAll, beforeAll, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';

/**
 * A question deleted before its answer could be posted (by its author, a moderator or AutoMod): Discord refuses the reply
 * for good (400 50035, message_reference MESSAGE_REFERENCE_UNKNOWN_MESSAGE). Nobody can see the answer any more, so the
 * model call is ended there and charged what was billed, instead of paying for a whole answer posted nowhere.
 */
let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });

test('a mention deleted before the reply: one refused reply, the model call ended there and charged what was billed', async () => {
  const channelId = TEST_CHANNEL_IDS[0]!;
  const words = Array.from({ length: 12 }, (_, n) => `Paragraph ${n} talks about tokens, prices, limits and streams in some detail.\n`);
  h.openai.chat.enqueue({ text: words.join(''), chunks: words, chunkDelayMs: 300 });
  const question = h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> tell me everything` });
  h.discord.deleteMessage(channelId, question.id);
  const replies = () => h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);
  const deadline = performance.now() + 10_000;
  while (replies().length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await h.settled(undefined, 15_000);

  expect(replies().map((r) => [r.status, (r.response as { code?: number } | undefined)?.code])).toEqual([[400, 50035]]);
  expect(h.logs().some((l) => l.msg === 'Discord refused the reply for good; nothing more is sent for this answer')).toBe(true);
  expect(h.logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
  const calls = h.bot.ctx.db.prepare('SELECT command, state, charged_micros AS charged, output_tokens AS outputTokens FROM ledger WHERE channel_id = ?').all(channelId) as
    { command: string; state: string; charged: number; outputTokens: number }[];
  expect(calls).toEqual([expect.objectContaining({ command: 'mention', state: 'settled' })]);
  expect(calls[0]!.charged).toBeGreaterThan(0);
  expect(calls[0]!.outputTokens).toBeLessThan(h.bot.ctx.services.tokens.countMessage(words.join('')).tokens);
  // Nothing shown, nothing stored: the answer's question is gone.
  expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(channelId)).toBe(0);
});
