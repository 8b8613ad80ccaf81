/**
 * HISTORY_MAX_TOKENS through the real bot: a channel with 300 long earlier turns on a 1M-token model. The request the
 * fake OpenAI receives carries at most the cap's worth of history (the bot's own count), the newest whole turns, on
 * every path that builds a context (/ask, a mention, a thread); 0 sends only the system prompt and the question;
 * `unlimited` sends what the window and MAX_CONTEXT_TURNS allow, as before the cap. The reservation and the charge
 * follow the smaller prompt.
 */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DEFAULT_HISTORY_MAX_TOKENS } from '../../src/config.ts';
import { HistoryStore } from '../../src/db/history.ts';
import { MAX_CONTEXT_TURNS } from '../../src/services/history.ts';
import { PROMPT_COUNT_MARGIN, REPLY_PRIMER_TOKENS } from '../../src/services/tokens.ts';
import { BotHarness, channelPool } from '../support/botHarness.ts';
import { DEFAULT_THREAD_ID } from '../support/fakeDiscord.ts';
import { countPromptTokens } from '../support/fakeOpenAIChatValidate.ts';

/** A model with a 1M-token window (gpt-tokenizer's, the fake's too): the window alone bounds nothing here. */
const MODEL = 'gpt-4.1';
const STORED_TURNS = 300;

interface Row { command: string; state: string; reserved: number; charged: number; input: number; output: number }

/** The stored conversation's texts as the bot sends them (questions with their speaker), oldest first. */
function storeConversation(h: BotHarness, channelId: string): string[] {
  const store = new HistoryStore(h.bot.ctx.db);
  const { tokens } = h.bot.ctx.services;
  const texts: string[] = [];
  for (let n = 0; n < STORED_TURNS / 2; n++) {
    const question = `Question ${n}: 這段話在台灣怎麼說？ ${`Tell me about item ${n} and how its parts fit together. `.repeat(25 + (n % 5))}`;
    const answer = `Answer ${n}: ${`Item ${n} has several parts; each one is described in turn, with examples. 🙂 `.repeat(30 + (n % 7))}`;
    store.addExchange([
      { channelId, role: 'user', authorId: '100000000000000009', authorName: 'Ann', content: question, ...tokens.countMessage(`Ann: ${question}`), createdAt: Date.now() - 60_000 },
      { channelId, role: 'assistant', content: answer, ...tokens.countMessage(answer), model: MODEL, createdAt: Date.now() - 60_000 },
    ]);
    texts.push(`Ann: ${question}`, answer);
  }
  return texts;
}

/** The bot's own count of a message, as the history builder weighs it for MODEL. */
const botCount = (h: BotHarness, text: string) => h.bot.ctx.services.tokens.weigh(h.bot.ctx.services.tokens.countMessage(text), MODEL);
const textsOf = (request: ChatCompletionCreateParams) => request.messages.map((m) => String(m.content));

function rowsOf(h: BotHarness, channelId: string): Row[] {
  return h.bot.ctx.db.prepare(`SELECT command, state, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input, output_tokens AS output
    FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as Row[];
}

/**
 * The one request sent, its history checked against the stored turns: the newest whole turns, starting with a question,
 * at most `cap` tokens by the bot's count, and (below the cap) as many as fit. Returns the request and its history.
 */
function checkHistory(h: BotHarness, stored: string[], cap: number, question: RegExp): { sent: ChatCompletionCreateParams; history: string[] } {
  expect(h.openai.chat.requests).toHaveLength(1);
  const sent = h.openai.chat.requests[0]!;
  expect(sent.model).toBe(MODEL);
  const texts = textsOf(sent);
  expect(sent.messages[0]!.role).toBe('system');
  expect(texts.at(-1)).toMatch(question);
  const history = texts.slice(1, -1);
  expect(history.length).toBeGreaterThan(0);
  expect(history).toEqual(stored.slice(-history.length));
  expect(history[0]).toMatch(/^Ann: Question \d+:/);
  const historyTokens = history.reduce((sum, text) => sum + botCount(h, text), 0);
  expect(historyTokens).toBeLessThanOrEqual(cap);
  // The most that fits: the next older exchange would pass the cap.
  const olderPair = stored.slice(-history.length - 2, -history.length).reduce((sum, text) => sum + botCount(h, text), 0);
  expect(historyTokens + olderPair).toBeGreaterThan(cap);
  return { sent, history };
}

/** The reservation the bot must make for `sent`: its prompt by the bot's count (with the margin) and its output limit. */
function expectedReservation(h: BotHarness, sent: ChatCompletionCreateParams): number {
  const prompt = textsOf(sent).reduce((sum, text) => sum + botCount(h, text), REPLY_PRIMER_TOKENS);
  return h.bot.ctx.services.pricing.chatWorstCase(MODEL, Math.ceil(prompt * PROMPT_COUNT_MARGIN), Number(sent.max_completion_tokens ?? sent.max_tokens));
}

/** The prompt the service bills for `sent` (the fake's usage.prompt_tokens). */
const billedPrompt = (sent: ChatCompletionCreateParams) => countPromptTokens(sent);

async function askIn(h: BotHarness, channelId: string): Promise<void> {
  h.openai.chat.enqueue({ text: 'A summary.' });
  const ask = h.command('ask', { prompt: 'Summarize our conversation.' }, { channelId });
  await h.settled(ask);
  expect(ask.transcript()).toEqual(['A summary.']);
}

async function mentionIn(h: BotHarness, channelId: string): Promise<void> {
  h.openai.chat.enqueue({ text: 'A summary.' });
  h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> summarize our conversation` });
  await h.repliedIn([channelId], 30_000);
}

const MANAGE_GUILD = String(1n << 5n);
const EPHEMERAL = 64;

/** `/settings show`'s line about the history, in each catalogue language (Discord's locale for it). */
async function shownHistoryLines(h: BotHarness): Promise<Record<string, string | undefined>> {
  const lines: Record<string, string | undefined> = {};
  for (const locale of ['en-US', 'zh-TW', 'zh-CN', 'ja']) {
    const i = h.command('settings', {}, { subcommand: 'show', permissions: MANAGE_GUILD, locale });
    await h.settled(i);
    const data = i.callbacks[0]!.data as { content: string; flags: number };
    expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
    // The one line about earlier conversation, in each language's words.
    lines[locale] = data.content.split('\n').find((line) => /conversation|對話|对话|会話/.test(line));
  }
  return lines;
}

const start = (env: Record<string, string>) => BotHarness.start({ env: { DEFAULT_MODEL: MODEL, ...env } });

describe(`HISTORY_MAX_TOKENS unset: at most ${DEFAULT_HISTORY_MAX_TOKENS} tokens of history`, () => {
  let h: BotHarness;
  const freshChannel = channelPool();
  beforeAll(async () => { h = await start({}); }, 60_000);
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });

  test('/ask: the newest whole turns within the cap; reserved and charged for that smaller prompt', async () => {
    const channelId = freshChannel();
    const stored = storeConversation(h, channelId);
    await askIn(h, channelId);
    const { sent, history } = checkHistory(h, stored, DEFAULT_HISTORY_MAX_TOKENS, /^.+: Summarize our conversation\.$/);
    expect(history.length).toBeLessThan(40);
    const [row] = rowsOf(h, channelId);
    expect(row).toMatchObject({ command: 'ask', state: 'settled', input: billedPrompt(sent) });
    expect(row!.reserved).toBe(expectedReservation(h, sent));
    const { pricing } = h.bot.ctx.services;
    expect(row!.charged).toBe(pricing.chatCost(MODEL, { promptTokens: row!.input, completionTokens: row!.output, cachedTokens: 0 }));
    // A few cents at gpt-4.1's $2 per 1M input: the prompt stays within the cap and the question's own few hundred tokens.
    expect(row!.input).toBeLessThan(DEFAULT_HISTORY_MAX_TOKENS + 500);
  });

  test('a mention in the channel is capped the same way', async () => {
    const channelId = freshChannel();
    const stored = storeConversation(h, channelId);
    await mentionIn(h, channelId);
    const { sent } = checkHistory(h, stored, DEFAULT_HISTORY_MAX_TOKENS, /: summarize our conversation$/);
    const [row] = rowsOf(h, channelId);
    expect(row).toMatchObject({ command: 'mention', state: 'settled', input: billedPrompt(sent) });
    expect(row!.reserved).toBe(expectedReservation(h, sent));
  });

  test('/settings show says how much history each question is sent with, in every language', async () => {
    expect(await shownHistoryLines(h)).toEqual({
      'en-US': '• Earlier conversation sent with each question: at most 16,000 tokens, newest messages first (fewer if the model can\'t read that much at once). Set by the bot\'s host; the person asking pays for it.',
      'zh-TW': '• 每個問題附帶的先前對話：最多 16,000 個 token，從最新的訊息算起（模型一次讀不了這麼多時會更少）。由機器人的架設者設定，費用由提問者支付。',
      'zh-CN': '• 每个问题附带的先前对话：最多 16,000 个 token，从最新的消息算起（模型一次读不了这么多时会更少）。由机器人的部署者设置，费用由提问者支付。',
      ja: '• 質問ごとに送る過去の会話：新しいメッセージから最大 16,000 トークン（モデルが一度にそこまで読めない場合はそれ以下）。ボットの運営者が設定し、料金は質問した人が払います。',
    });
  });

  test('a thread keeps its own history, capped the same way', async () => {
    const stored = storeConversation(h, DEFAULT_THREAD_ID);
    await mentionIn(h, DEFAULT_THREAD_ID);
    checkHistory(h, stored, DEFAULT_HISTORY_MAX_TOKENS, /: summarize our conversation$/);
  });
});

describe('HISTORY_MAX_TOKENS=0: no history', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await start({ HISTORY_MAX_TOKENS: '0' }); }, 60_000);
  afterAll(async () => { await h?.close(); });

  test('/ask sends only the system prompt and the question, and reserves for just those', async () => {
    const channelId = channelPool()();
    storeConversation(h, channelId);
    await askIn(h, channelId);
    expect(h.openai.chat.requests).toHaveLength(1);
    const sent = h.openai.chat.requests[0]!;
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(String(sent.messages[1]!.content)).toMatch(/: Summarize our conversation\.$/);
    const [row] = rowsOf(h, channelId);
    expect(row).toMatchObject({ state: 'settled', input: billedPrompt(sent) });
    expect(row!.reserved).toBe(expectedReservation(h, sent));
  });

  test('/settings show says no history is sent', async () => {
    const lines = await shownHistoryLines(h);
    expect(lines['en-US']).toBe('• Earlier conversation sent with each question: none, each question is sent on its own (set by the bot\'s host).');
    expect(lines.ja).toBe('• 質問ごとに送る過去の会話：なし。質問はそれぞれ単独で送られます（ボットの運営者が設定）。');
    expect(lines['zh-TW']).toMatch(/：無，/);
    expect(lines['zh-CN']).toMatch(/：无，/);
  });
});

describe('HISTORY_MAX_TOKENS=unlimited: as before the cap', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await start({ HISTORY_MAX_TOKENS: 'unlimited' }); }, 60_000);
  afterAll(async () => { await h?.close(); });

  test(`/ask sends the newest ${MAX_CONTEXT_TURNS} turns the 1M window holds, reserved for all of them`, async () => {
    const channelId = channelPool()();
    const stored = storeConversation(h, channelId);
    await askIn(h, channelId);
    expect(h.openai.chat.requests).toHaveLength(1);
    const sent = h.openai.chat.requests[0]!;
    const history = textsOf(sent).slice(1, -1);
    expect(history).toEqual(stored.slice(-MAX_CONTEXT_TURNS));
    const historyTokens = history.reduce((sum, text) => sum + botCount(h, text), 0);
    expect(historyTokens).toBeGreaterThan(4 * DEFAULT_HISTORY_MAX_TOKENS);
    const [row] = rowsOf(h, channelId);
    expect(row).toMatchObject({ state: 'settled', input: billedPrompt(sent) });
    expect(row!.reserved).toBe(expectedReservation(h, sent));
  });

  test('/settings show says the history is bounded only by the model and the 200 messages', async () => {
    const lines = await shownHistoryLines(h);
    expect(lines['en-US']).toBe('• Earlier conversation sent with each question: as much as the model can read at once, up to 200 messages. Set by the bot\'s host; the person asking pays for it.');
    expect(lines['zh-TW']).toBe('• 每個問題附帶的先前對話：模型一次能讀多少就送多少，最多 200 則訊息。由機器人的架設者設定，費用由提問者支付。');
    expect(lines['zh-CN']).toMatch(/最多 200 条消息/);
    expect(lines.ja).toMatch(/最大 200 件のメッセージ/);
  });
});
