/**
 * gpt-5.4's long-context tier through the real bot: the history builder keeps a long conversation under the tier,
 * the reservation is made at the tier of the bot's count, and the service's usage.prompt_tokens picks the tier charged.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { HistoryStore } from '../../../src/db/history.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { craftPng } from '../../support/craftedImages.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

const MODEL = 'gpt-5.4';
// developers.openai.com/api/docs/models/gpt-5.4, in micro-dollars per token: base $2.50 in, $15 out per 1M;
// past 272K prompt tokens $5 and $22.50 for the whole request.
const BASE = { input: 2.5, output: 15 };
const LONG = { input: 5, output: 22.5 };
const THRESHOLD = 272_000;
const CONVERSATION_TURNS = 200; // the history builder reads at most MAX_CONTEXT_TURNS (200) turns

interface Row { state: string; reserved: number; charged: number; input: number; output: number }

describe('gpt-5.4\'s long-context tier, reserved and charged by the bot', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({
      // Only a history past HISTORY_MAX_TOKENS' default (16,000) reaches the tier: the operator allowed all of it.
      env: { DEFAULT_MODEL: MODEL, HISTORY_MAX_TOKENS: 'unlimited' },
      openai: { models: [...DEFAULT_MODELS, MODEL], contextWindow: { [MODEL]: 1_050_000 } },
      // The last test has the service bill a prompt far larger than the bot counted, past what it reserved, on purpose.
      allowOverruns: true,
    });
  }, 60_000);
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); h.openai.addModel(MODEL); });

  const rowsOf = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input,
    output_tokens AS output FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as Row[];

  /** A stored conversation of real text that the bot counts at about `tokensPerTurn` tokens a turn. */
  function storeConversation(channelId: string, tokensPerTurn: number): number {
    const store = new HistoryStore(h.bot.ctx.db);
    const { tokens } = h.bot.ctx.services;
    let total = 0;
    for (let n = 0; n < CONVERSATION_TURNS / 2; n++) {
      const question = `Question ${n}:${' hello'.repeat(tokensPerTurn)}`;
      const answer = `Answer ${n}:${' world'.repeat(tokensPerTurn)}`;
      const q = tokens.countMessage(`Ann: ${question}`);
      const a = tokens.countMessage(answer);
      total += q.tokens + a.tokens;
      store.addExchange([
        { channelId, role: 'user', authorId: '100000000000000009', authorName: 'Ann', content: question, ...q, createdAt: Date.now() - 60_000 },
        { channelId, role: 'assistant', content: answer, ...a, model: MODEL, createdAt: Date.now() - 60_000 },
      ]);
    }
    return total;
  }

  async function ask(channelId: string, usage: { prompt_tokens: number; completion_tokens: number }) {
    h.openai.chat.enqueue({ text: 'A summary.', usage });
    const ia = h.command('ask', { prompt: 'Summarize our conversation.' }, { channelId });
    await h.settled(ia);
    expect(ia.transcript()).toEqual(['A summary.']);
    const sent = h.openai.chat.requests.at(-1)!;
    return { maxOutput: Number(sent.max_completion_tokens), sentMessages: sent.messages.length };
  }

  test('a conversation of ~300K tokens: the history stops short of the tier, so the answer is reserved and charged at the base rates', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    const history = storeConversation(channelId, 1500);
    expect(history).toBeGreaterThan(300_000);
    const { maxOutput, sentMessages } = await ask(channelId, { prompt_tokens: 240_000, completion_tokens: 1000 });
    // The newest turns that fit: fewer than the whole conversation, and the count with its 10 % margin under 272K.
    expect(sentMessages).toBeLessThan(CONVERSATION_TURNS + 2);
    expect(sentMessages).toBeGreaterThan(CONVERSATION_TURNS * 0.7);
    const sent = h.openai.chat.requests.at(-1)!;
    expect(sent.messages.at(1)!.content).toMatch(/^Ann: Question \d+:/); // it starts with a question, not an orphaned answer
    const [row] = rowsOf(channelId);
    expect(row).toMatchObject({ state: 'settled', input: 240_000, output: 1000 });
    expect(row!.charged).toBe(240_000 * BASE.input + 1000 * BASE.output);
    expect(row!.reserved).toBeLessThanOrEqual(THRESHOLD * BASE.input + maxOutput * BASE.output);
    expect(row!.reserved).toBeGreaterThan(Math.floor(THRESHOLD / 1.1 * 0.95) * BASE.input + maxOutput * BASE.output);
  });

  test('a conversation of ~200K tokens is reserved and charged at the base rates', async () => {
    const channelId = TEST_CHANNEL_IDS[1]!;
    const history = storeConversation(channelId, 1000);
    expect(Math.ceil((history + 1000) * 1.1)).toBeLessThan(THRESHOLD);
    const { maxOutput } = await ask(channelId, { prompt_tokens: 200_000, completion_tokens: 1000 });
    const [row] = rowsOf(channelId);
    expect(row).toMatchObject({ state: 'settled', input: 200_000, output: 1000 });
    expect(row!.charged).toBe(200_000 * BASE.input + 1000 * BASE.output); // 515,000
    expect(row!.reserved).toBeGreaterThanOrEqual(Math.ceil(history * 1.1) * BASE.input + maxOutput * BASE.output);
    expect(row!.reserved).toBeLessThan(Math.ceil((history + 1000) * 1.1) * BASE.input + maxOutput * BASE.output);
  });

  test('a question\'s images and earlier ones sent again count in the cut: answers beside a long history stay reserved under the tier', async () => {
    const channelId = TEST_CHANNEL_IDS[3]!;
    expect(storeConversation(channelId, 1500)).toBeGreaterThan(300_000);
    // gpt-5.4's image rule is unpublished: this 2048×768 image is counted at 3,779 prompt tokens (its share of the context: 1,445).
    const image = { filename: 'wide.png', data: craftPng(2048, 768, 4000) };
    h.openai.chat.enqueue({ text: 'A wide picture.', usage: { prompt_tokens: 240_000, completion_tokens: 10 } });
    const withImage = h.command('ask', { prompt: 'What is in this picture?', image }, { channelId });
    await h.settled(withImage);
    expect(withImage.transcript()).toEqual(['A wide picture.']);
    // A follow-up without an image: the earlier one is sent again with it.
    const { maxOutput } = await ask(channelId, { prompt_tokens: 240_000, completion_tokens: 1000 });
    const sent = h.openai.chat.requests.at(-1)!;
    const imageParts = sent.messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((part) => part.type === 'image_url') : []));
    expect(imageParts).toHaveLength(1);
    const rows = rowsOf(channelId);
    expect(rows).toHaveLength(2);
    // At the base rates: the tier's would reserve at least 272,000 × $5 per 1M for the prompt alone.
    for (const row of rows) {
      expect(row.reserved).toBeLessThanOrEqual(THRESHOLD * BASE.input + maxOutput * BASE.output);
      // …and the history still fills most of the room under it.
      expect(row.reserved).toBeGreaterThan(Math.floor(THRESHOLD / 1.1 * 0.95) * BASE.input + maxOutput * BASE.output);
    }
  });

  test('a service that reports more than 272K prompt tokens is charged the long-context rates, though the bot counted a short prompt', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    const { maxOutput } = await ask(channelId, { prompt_tokens: 280_000, completion_tokens: 1000 });
    const [row] = rowsOf(channelId);
    // Reserved for a short prompt at the base rates…
    expect(row!.reserved).toBeLessThan(1000 * BASE.input + maxOutput * BASE.output);
    // …charged what the service billed: all 280,000 tokens at $5 per 1M and the output at $22.50.
    expect(row).toMatchObject({ state: 'settled', input: 280_000, output: 1000, charged: 280_000 * LONG.input + 1000 * LONG.output });
    expect(h.logLines.some((line) => line.includes('a call cost more than its reservation'))).toBe(true);
  });
});
