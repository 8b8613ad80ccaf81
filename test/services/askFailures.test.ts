import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_TIMEOUT_MS: '400' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

let channelSeq = 20;
const freshChannel = () => TEST_CHANNEL_IDS[channelSeq++]!;
const chatCalls = () => h.openai.requests.filter((r) => r.path === '/v1/chat/completions').length;
const turnsIn = (channelId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(channelId);

async function askIn(channelId: string, prompt = 'Hello?') {
  const i = h.command('ask', { prompt }, { channelId });
  await h.settled(i);
  return i;
}

describe('failures are explained in plain words, stored nowhere, and never crash the bot', () => {
  test('a 429 with retry-after-ms is retried by the SDK and then answered', async () => {
    h.openai.chat.enqueue({ error: 'rate_limit', retryAfterMs: 20, times: 1 }, { text: 'Worked the second time.' });
    const i = await askIn(freshChannel());
    expect(i.transcript()).toEqual(['Worked the second time.']);
    expect(chatCalls()).toBe(2);
  });

  test('still rate limited after the retries: "busy, try again in about N s"', async () => {
    h.openai.chat.enqueue({ error: 'rate_limit', retryAfterMs: 3000, times: 3 });
    const started = performance.now();
    const channelId = freshChannel();
    const i = await askIn(channelId);
    expect(i.transcript()[0]).toBe('The AI service is busy right now. Please try again in about 3 s.');
    expect(chatCalls()).toBe(3);
    expect(performance.now() - started).toBeGreaterThan(5900); // two honoured 3 s waits
    expect(turnsIn(channelId)).toBe(0);
  }, 20_000);

  test('insufficient_quota is never retried, says the account is out of credit, and is logged for the admin', async () => {
    h.openai.chat.enqueue({ error: 'insufficient_quota', times: 3 });
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toMatch(/OpenAI account is out of credit/);
    expect(chatCalls()).toBe(1);
    expect(h.logs().some((l) => l.level === 50 && String(l.msg).includes('insufficient_quota'))).toBe(true);
  });

  test('context too long: trimmed harder and retried once', async () => {
    const channelId = freshChannel();
    for (let n = 0; n < 4; n += 1) {
      h.openai.chat.enqueue({ text: `answer ${n}` });
      await askIn(channelId, `question ${n}`);
    }
    h.openai.reset();
    h.openai.chat.enqueue({ error: 'context_length_exceeded' }, { text: 'Short context worked.' });
    const i = await askIn(channelId, 'one more');
    expect(i.transcript()).toEqual(['Short context worked.']);
    const [first, second] = h.openai.chat.requests as { messages: unknown[] }[];
    expect(second!.messages.length).toBeLessThan(first!.messages.length);
  });

  test('context too long twice: a clear message, nothing stored', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ error: 'context_length_exceeded' }, { error: 'context_length_exceeded' });
    const i = await askIn(channelId);
    expect(i.transcript()[0]).toMatch(/too long for the model.*\/reset/);
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a refusal says the model declined', async () => {
    h.openai.chat.enqueue({ text: '', refusal: "I'm sorry, I can't help with that." });
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe("The model declined to answer this request.\n> I'm sorry, I can't help with that.");
  });

  test('5xx after the retries: a server-error message', async () => {
    h.openai.chat.enqueue({ error: 'server_error', status: 500, times: 3 });
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe('The AI service had an internal error. Please try again in a moment.');
    expect(chatCalls()).toBe(3);
  });

  test('a stream cut off midway keeps what was shown, says it was cut off, and stores nothing', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ cutAfterChunks: 4, text: 'First part. Second part. Third part. Never arrives.', chunks: ['First part. ', 'Second part. ', 'Third part. ', 'Never arrives.'] });
    const i = await askIn(channelId);
    expect(i.transcript()[0]).toBe('First part. Second part. Third part.\n\n⚠️ The answer was cut off because the connection to the AI service dropped.');
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a stream cut after 50 tokens is charged the prompt plus about 50 output tokens, not released', async () => {
    const channelId = freshChannel();
    const pieces = Array.from({ length: 60 }, () => ' hello');
    h.openai.chat.enqueue({ cutAfterChunks: 51, text: pieces.join(''), chunks: pieces }); // the role chunk, then 50 pieces
    const i = await askIn(channelId, 'Say hello sixty times.');
    expect(i.transcript()[0]).toMatch(/^ ?hello( hello){49}\n\n⚠️ The answer was cut off/);
    const row = h.bot.ctx.db.prepare("SELECT state, input_tokens AS input, output_tokens AS output, charged_micros AS charged FROM ledger WHERE channel_id = ? ORDER BY id DESC LIMIT 1").get(channelId) as Record<string, number | string>;
    expect(row.state).toBe('settled');
    expect(row.output).toBeGreaterThanOrEqual(50);
    expect(row.output).toBeLessThanOrEqual(55); // our count adds the few tokens that frame a message
    expect(row.input).toBeGreaterThan(0);
    const { pricing } = h.bot.ctx.services;
    expect(row.charged).toBe(pricing.chatCost('gpt-4o-mini', { promptTokens: Number(row.input), completionTokens: Number(row.output), cachedTokens: 0 }));
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a failure before any text, with no usage, is not charged', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ error: 'server_error', times: 3 });
    await askIn(channelId);
    expect(h.bot.ctx.db.prepare('SELECT state FROM ledger WHERE channel_id = ?').pluck().all(channelId)).toEqual(['released']);
  });

  test('no answer within OPENAI_TIMEOUT_MS: a timeout message', async () => {
    h.openai.chat.enqueue({ hang: true }, { hang: true }, { hang: true });
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe('The AI service took too long to answer, so I stopped waiting. Please try again.');
  });

  test('a stream that stalls after some text keeps it and says the service stopped responding', async () => {
    h.openai.chat.enqueue({ text: 'Started fine. Then silence.', chunks: ['Started fine. ', 'Then silence.'], stallAfterEvents: 2 }); // role + one piece
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe('Started fine.\n\n⚠️ The answer was cut off because the AI service stopped responding.');
  });

  test('Traditional Chinese users get the explanation in Traditional Chinese', async () => {
    h.openai.chat.enqueue({ error: 'insufficient_quota' });
    const i = h.command('ask', { prompt: '你好' }, { channelId: freshChannel(), locale: 'zh-TW' });
    await h.settled(i);
    expect(i.transcript()[0]).toMatch(/OpenAI 帳號額度已用完/);
  });

  test('the bot keeps answering after all of the above', async () => {
    h.openai.chat.enqueue({ text: 'Still here.' });
    const i = await askIn(freshChannel());
    expect(i.transcript()).toEqual(['Still here.']);
  });
});

describe('an AI service that cannot be reached', () => {
  let offline: BotHarness;
  beforeAll(async () => { offline = await BotHarness.start({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_MAX_RETRIES: '0' } }); });
  afterAll(async () => { await offline?.close(); });

  test('says it could not reach the service, charges nothing, stores nothing', async () => {
    const i = offline.command('ask', { prompt: 'anyone there?' });
    await offline.settled(i);
    expect(i.transcript()).toEqual(["I couldn't reach the AI service. Please try again in a moment."]);
    expect(offline.bot.ctx.db.prepare("SELECT COUNT(*) FROM ledger WHERE state != 'released'").pluck().get()).toBe(0);
    expect(offline.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns').pluck().get()).toBe(0);
  });
});
