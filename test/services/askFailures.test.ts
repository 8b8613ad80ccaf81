import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../support/botHarness.ts';
import { craftPng } from '../support/craftedImages.ts';
import { lastUserText } from '../support/fakeOpenAIChat.ts';

/**
 * OPENAI_TIMEOUT_MS where a test waits it out. Elsewhere the default (a minute) applies: 400 ms also ended calls a
 * loaded machine merely answered late (a 429's repeat, timed out instead of answered). Long enough that a loaded
 * machine reads what a stream sent before it stalled.
 */
const SILENCE_TIMEOUT_MS = 1_000;

/** The bot the running describe block started; the helpers below ask it. */
let h: BotHarness;
function startsBot(env: Record<string, string> = {}) {
  beforeAll(async () => { h = await BotHarness.start({ env }); });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });
}

const freshChannel = channelPool();
const chatCalls = () => h.openai.requests.filter((r) => r.path === '/v1/chat/completions').length;
const ledgerRows = (channelId: string) => h.bot.ctx.db.prepare('SELECT state, input_tokens AS input, output_tokens AS output, charged_micros AS charged FROM ledger WHERE channel_id = ? ORDER BY id')
  .all(channelId) as { state: string; input: number | null; output: number | null; charged: number }[];
/** The ledger row of a call that was read and never answered: settled at our count of its prompt, no output. */
function expectChargedThePromptOnly(channelId: string) {
  const rows = ledgerRows(channelId);
  expect(rows).toEqual([expect.objectContaining({ state: 'settled', output: 0 })]);
  expect(rows[0]!.input).toBeGreaterThan(0);
  const { pricing } = h.bot.ctx.services;
  expect(rows[0]!.charged).toBe(pricing.chatCost('gpt-4o-mini', { promptTokens: rows[0]!.input!, completionTokens: 0, cachedTokens: 0 }));
  expect(rows[0]!.charged).toBeGreaterThan(0);
}
const turnsIn = (channelId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(channelId);

async function askIn(channelId: string, prompt = 'Hello?') {
  const i = h.command('ask', { prompt }, { channelId });
  await h.settled(i);
  return i;
}

describe('failures are explained in plain words, stored nowhere, and never crash the bot', () => {
  startsBot();

  test('a 429 is repeated after its retry-after-ms wait, then answered and charged once', async () => {
    const channelId = freshChannel();
    // retry-after far from retry-after-ms, so which one was waited for shows however slow the machine is.
    h.openai.chat.enqueue({ error: 'rate_limit', retryAfterMs: 1200, times: 1, headers: { 'retry-after': '30' } }, { text: 'Worked the second time.', usage: { prompt_tokens: 40, completion_tokens: 5 } });
    const i = await askIn(channelId);
    expect(i.transcript()).toEqual(['Worked the second time.']);
    const [first, second] = h.openai.requests.filter((r) => r.path === '/v1/chat/completions');
    // retry-after-ms, not retry-after (30 s) nor the default back-off (at most 0.5 s).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1150);
    expect(second!.at - first!.at).toBeLessThan(15_000);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'settled', input: 40, output: 5 })]);
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

  test('insufficient_quota is never retried, says the account is out of credit, and is logged for the bot\'s host', async () => {
    h.openai.chat.enqueue({ error: 'insufficient_quota', times: 3 });
    const channelId = freshChannel();
    const i = await askIn(channelId);
    expect(i.transcript()[0]).toMatch(/OpenAI account is out of credit/);
    expect(chatCalls()).toBe(1);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
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
    expect(i.transcript()[0]).toMatch(/too long for the model.*\/reset.*Manage Messages permission/);
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a refusal says the model declined', async () => {
    h.openai.chat.enqueue({ text: '', refusal: "I'm sorry, I can't help with that." });
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe("The model declined to answer this request.\n> I'm sorry, I can't help with that.");
  });

  test('a quick 503 before the stream is repeated, then answered and charged once', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ error: 'server_error', status: 503, times: 1 }, { text: 'Back up.' });
    const i = await askIn(channelId);
    expect(i.transcript()).toEqual(['Back up.']);
    expect(chatCalls()).toBe(2);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'settled' })]);
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

  test.each([
    ['en', 'The connection to the AI service dropped after the question was sent, before any answer arrived. Please try again.'],
    ['zh-TW', '問題送出後、回答開始前，與 AI 服務的連線中斷了。請再試一次。'],
  ])('the connection dropped after the question was sent (%s): sent once, said plainly, the prompt charged', async (locale, reply) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ drop: true }, { text: 'A second, billed answer.' });
    const i = h.command('ask', { prompt: 'Hello?' }, { channelId, locale });
    await h.settled(i);
    expect(i.transcript()).toEqual([reply]);
    expect(chatCalls()).toBe(1);
    expectChargedThePromptOnly(channelId);
  });

  test('the stream opened and dropped before any text: the prompt charged, not released', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ cutAfterChunks: 1, text: 'Never shown.' });
    const i = await askIn(channelId);
    expect(i.transcript()).toEqual(['The connection to the AI service dropped after the question was sent, before any answer arrived. Please try again.']);
    expectChargedThePromptOnly(channelId);
  });

  test('Traditional Chinese users get the explanation in Traditional Chinese', async () => {
    h.openai.chat.enqueue({ error: 'insufficient_quota' });
    const i = h.command('ask', { prompt: '你好' }, { channelId: freshChannel(), locale: 'zh-TW' });
    await h.settled(i);
    expect(i.transcript()[0]).toMatch(/OpenAI 帳號額度已用完/);
  });

  test.each([
    ['en', 'The AI service could not handle this request. The reason was logged for the bot\'s host.'],
    ['zh-TW', 'AI 服務無法處理這個請求。原因已記錄在機器人日誌中，供機器人的架設者查看。'],
  ])('a 400 whose message quotes the prompt and names the organisation (%s): a plain sentence, the server\'s words only in the log', async (locale, reply) => {
    const channelId = freshChannel();
    const organisation = 'org-Fake5ecretOrgId42';
    // OpenAI's invalid_request_error shape, its message quoting what the request sent (as its "Invalid value: '…'" ones do).
    h.openai.chat.setDefault((request) => {
      const message = `Invalid value: '${lastUserText(request)}'. Organization ${organisation} may not send this to 'messages[1].content'.`;
      return { rawError: { status: 400, body: JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'messages', code: 'invalid_value' } }) } };
    });
    const prompt = 'my private draft, never for the channel';
    const i = h.command('ask', { prompt }, { channelId, locale });
    await h.settled(i);
    expect(i.transcript()).toEqual([reply]);
    expect(i.transcript().join('\n')).not.toMatch(new RegExp(`${organisation}|private draft|Invalid value`));
    // The bot's host still finds OpenAI's own words where they look.
    expect(h.logs().some((l) => l.level === 40 && JSON.stringify(l).includes(organisation))).toBe(true);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
  });

  test.each([
    // OpenAI's own answer to a picture it can't read, and vLLM's to a model without image input (its 400 shape).
    ['en', { error: { message: "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].", type: 'invalid_request_error', param: null, code: 'invalid_image_format' } },
      "The AI service couldn't use an image in this question. It takes PNG, JPEG, GIF or WebP pictures up to 20 MB, and only on models that read images: try another picture, or ask without it."],
    ['zh-TW', { object: 'error', message: 'image_url is only supported by multimodal models.', type: 'BadRequestError', param: null, code: 400 },
      'AI 服務無法使用這個問題中的圖片。它只接受 20 MB 以內的 PNG、JPEG、GIF 或 WebP 圖片，而且只有能讀圖的模型才行：請換一張圖片，或不附圖片再問一次。'],
  ])('a 400 about an image the model can\'t use (%s) says what the member can change, charges nothing, and logs the server\'s words', async (locale, body, reply) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ rawError: { status: 400, body: JSON.stringify(body) } });
    const i = h.command('ask', { prompt: 'What is in this picture?', image: { filename: 'photo.png', data: craftPng(64, 64) } }, { channelId, locale });
    await h.settled(i);
    expect(i.transcript()).toEqual([reply]);
    const said = 'error' in body ? body.error.message : body.message;
    expect(h.logs().some((l) => l.level === 40 && JSON.stringify(l).includes(said))).toBe(true);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a 400 that speaks of images to a question that sent none is no picture for the member to change', async () => {
    const channelId = freshChannel();
    const body = { object: 'error', message: 'image_url is only supported by multimodal models.', type: 'BadRequestError', param: null, code: 400 };
    h.openai.chat.enqueue({ rawError: { status: 400, body: JSON.stringify(body) } });
    const i = h.command('ask', { prompt: 'Just text.' }, { channelId });
    await h.settled(i);
    expect(i.transcript()).toEqual(['The AI service could not handle this request. The reason was logged for the bot\'s host.']);
    expect(ledgerRows(channelId)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
  });

  test('the bot keeps answering after all of the above', async () => {
    h.openai.chat.enqueue({ text: 'Still here.' });
    const i = await askIn(freshChannel());
    expect(i.transcript()).toEqual(['Still here.']);
  });
});

describe('an AI service that goes silent: OPENAI_TIMEOUT_MS ends the wait', () => {
  startsBot({ OPENAI_TIMEOUT_MS: String(SILENCE_TIMEOUT_MS) });

  test.each([
    ['en', 'The AI service took too long to answer, so I stopped waiting. Please try again.'],
    ['zh-TW', 'AI 服務回應太久，已停止等待。請再試一次。'],
  ])('no answer within OPENAI_TIMEOUT_MS (%s): sent once, a timeout message, the prompt charged', async (locale, reply) => {
    const channelId = freshChannel();
    // OpenAI may have read it: repeating could bill it twice, so the second reply is never asked for.
    h.openai.chat.enqueue({ hang: true }, { text: 'A second, billed answer.' });
    const i = h.command('ask', { prompt: 'Hello?' }, { channelId, locale });
    await h.settled(i);
    expect(i.transcript()).toEqual([reply]);
    expect(chatCalls()).toBe(1);
    expectChargedThePromptOnly(channelId);
    expect(turnsIn(channelId)).toBe(0);
  });

  test('a stream that stalls after some text keeps it and says the service stopped responding', async () => {
    h.openai.chat.enqueue({ text: 'Started fine. Then silence.', chunks: ['Started fine. ', 'Then silence.'], stallAfterEvents: 2 }); // role + one piece
    const i = await askIn(freshChannel());
    expect(i.transcript()[0]).toBe('Started fine.\n\n⚠️ The answer was cut off because the AI service stopped responding.');
  });

  test('a stream that stalls after some text is charged the prompt and that text (no usage came), not released', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Started fine, with a few words. Then silence.', chunks: ['Started fine, with a few words. ', 'Then silence.'], stallAfterEvents: 2 });
    await askIn(channelId);
    const [row] = ledgerRows(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    const { pricing, tokens } = h.bot.ctx.services;
    expect(row!.output).toBe(tokens.weigh(tokens.countMessage('Started fine, with a few words. '), 'gpt-4o-mini'));
    expect(row!.input).toBeGreaterThan(0);
    expect(row!.charged).toBe(pricing.chatCost('gpt-4o-mini', { promptTokens: row!.input!, completionTokens: row!.output!, cachedTokens: 0 }));
  });

  test('a local reasoning model that goes silent mid-thinking (its template opened <think>): the thinking is charged, never shown as an answer', async () => {
    const model = 'deepseek-r1:14b';
    h.openai.addModel(model);
    const channelId = freshChannel();
    h.bot.ctx.services.settings.updateChannel({ guildId: h.bot.ctx.config.devGuildId!, channelId, parentId: null }, { model }, 'admin');
    const thinking = 'Okay, the user says hello. I should greet them back warmly.';
    h.openai.chat.enqueue({ text: `${thinking} And then`, chunks: [thinking, ' And then'], stallAfterEvents: 2 });
    const i = await askIn(channelId);
    expect(i.transcript()).toEqual(['The AI service took too long to answer, so I stopped waiting. Please try again.']);
    const [row] = ledgerRows(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    const { tokens } = h.bot.ctx.services;
    expect(row!.output).toBe(tokens.weigh(tokens.countMessage(thinking), model));
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
