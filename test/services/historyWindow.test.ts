/**
 * The longest history the bot sends still fits its model's window beside the output limit it asks for. OpenAI
 * refuses a prompt plus `max_tokens` / `max_completion_tokens` past an ordinary model's window (400
 * context_length_exceeded, "you requested … in the completion"), and so does the fake: a conversation far longer
 * than a small window, in English, Chinese and emoji, is cut so that its /ask is answered by the first request.
 */
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { HistoryStore } from '../../src/db/history.ts';
import { BotHarness, channelPool } from '../support/botHarness.ts';
import { DEFAULT_MODELS } from '../support/fakeOpenAI.ts';

const MANAGE_GUILD = String(1n << 5n);
/** OpenAI's framing (cookbook, "How to count tokens"): per message, and priming the reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMER = 3;
const TURNS = 200; // MAX_CONTEXT_TURNS: every stored turn is a candidate

let h: BotHarness;
const freshChannel = channelPool();
beforeAll(async () => {
  h = await BotHarness.start({ openai: { models: [...DEFAULT_MODELS, 'gpt-3.5-turbo-0613', 'gpt-4'] } });
}, 60_000);
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); h.openai.addModel('gpt-3.5-turbo-0613'); h.openai.addModel('gpt-4'); });

/** A stored conversation far longer than the window, of real mixed text; returns each stored turn's text, oldest first. */
function storeConversation(channelId: string): string[] {
  const store = new HistoryStore(h.bot.ctx.db);
  const { tokens } = h.bot.ctx.services;
  const texts: string[] = [];
  for (let n = 0; n < TURNS / 2; n++) {
    const question = `Question ${n}: 這個詞在台灣怎麼說？ What does "${'token '.repeat(n % 7)}window" mean here? 🙂`;
    const answer = `Answer ${n}: 在這裡指的是模型一次能讀的長度。${' It is counted in tokens, not characters.'.repeat(1 + (n % 4))} ✅`;
    const q = tokens.countMessage(`Ann: ${question}`);
    const a = tokens.countMessage(answer);
    store.addExchange([
      { channelId, role: 'user', authorId: '100000000000000009', authorName: 'Ann', content: question, ...q, createdAt: Date.now() - 60_000 },
      { channelId, role: 'assistant', content: answer, ...a, model: 'gpt-4', createdAt: Date.now() - 60_000 },
    ]);
    texts.push(`Ann: ${question}`, answer);
  }
  return texts;
}

test.each([
  ['gpt-3.5-turbo-0613', 4096],
  ['gpt-4', 8192],
] as const)('the longest history /ask sends to %s fits its %d-token window beside the output it asks for', async (model, window) => {
  const channelId = freshChannel();
  await h.settled(h.command('settings', { name: model }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
  const stored = storeConversation(channelId);
  h.openai.chat.enqueue({ text: '它指的是上下文長度。' });
  const ask = h.command('ask', { prompt: '「上下文視窗」是什麼意思？' }, { channelId });
  await h.settled(ask);
  expect(ask.transcript()).toEqual(['它指的是上下文長度。']);
  // Answered by the first request: none refused and retried with less history.
  expect(h.openai.chat.requests).toHaveLength(1);
  expect(h.logLines.some((line) => line.includes('context too long'))).toBe(false);

  const sent = h.openai.chat.requests[0]!;
  const output = Number(sent.max_completion_tokens ?? sent.max_tokens);
  const texts = sent.messages.map((m) => String(m.content));
  const prompt = texts.reduce((sum, text) => sum + countCl100k(text) + PER_MESSAGE, REPLY_PRIMER);
  expect(prompt + output).toBeLessThanOrEqual(window);
  // The longest history that fits: the stored turns sent are the newest ones, and one more pair would not have fit.
  const history = texts.slice(1, -1);
  expect(history.length).toBeGreaterThan(2);
  expect(history).toEqual(stored.slice(-history.length));
  const nextPair = stored.slice(-history.length - 2, -history.length).reduce((sum, text) => sum + countCl100k(text) + PER_MESSAGE, 0);
  // The bot counts a message 1 token more than OpenAI frames it: that much of the room may stay unused too.
  expect(window - prompt - output).toBeLessThan(nextPair + texts.length);
});
