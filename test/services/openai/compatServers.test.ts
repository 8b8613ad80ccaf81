/**
 * The bot against OpenAI-compatible servers nobody in this project wrote, variant by variant:
 * each is answered, charged and explained, and an exchange is stored exactly when it was complete.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { makeWav } from '../../../src/services/audio/wav.ts';
import { BotHarness, TEST_OPENAI_KEY, channelPool } from '../../support/botHarness.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const freshChannel = channelPool();
/** A request the server refused, whatever it wrote: its words are for the bot's host (the log), never the member. */
const BAD_REQUEST = "The AI service could not handle this request. The reason was logged for the bot's host.";
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT role, content FROM turns WHERE channel_id = ? ORDER BY id').all(channelId) as { role: string; content: string }[];
interface LedgerRow { command: string; state: string; charged: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT command, state, charged_micros AS charged, input_tokens AS inputTokens, output_tokens AS outputTokens
  FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];
/** Everything the member saw: the reply, its follow-ups and any immediate callback text. */
const shown = (i: FakeInteraction) => [...i.callbacks.map((c) => (c.data as { content?: string } | undefined)?.content ?? ''), ...i.transcript()].join('\n');

async function ask(channelId: string, prompt = 'Hello?') {
  const i = h.command('ask', { prompt }, { channelId });
  await h.settled(i);
  return i;
}

describe('answers from a compatible server are complete, stored and charged', () => {
  test.each([
    ['no finish_reason (the stream still ends with [DONE])', { noFinishReason: true }],
    ['no role in the first delta', { noRole: true }],
    ['no content-type header on the stream', { noContentType: true }],
  ])('%s', async (_name, compat) => {
    h.openai.compat = compat;
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'A whole answer from a local model.', usage: { completion_tokens: 777 } });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['A whole answer from a local model.']);
    expect(turns(channelId).map((t) => t.content)).toEqual(['Hello?', 'A whole answer from a local model.']);
    // The server's own usage is charged: 777 output tokens, as it reported.
    expect(ledger(channelId)).toMatchObject([{ command: 'ask', state: 'settled', outputTokens: 777 }]);
    expect(ledger(channelId)[0]!.charged).toBeGreaterThan(0);
  });

  test('no usage and no finish_reason: complete, stored, and charged from the bot\'s own count', async () => {
    h.openai.compat = { noUsage: true, noFinishReason: true, noRole: true, noContentType: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Counted by the bot, not the server.', usage: { completion_tokens: 777 } });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['Counted by the bot, not the server.']);
    expect(turns(channelId)).toHaveLength(2);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.outputTokens).toBeGreaterThan(0);
    expect(row!.outputTokens).not.toBe(777); // no usage came back, so the estimate was charged
    expect(row!.charged).toBeGreaterThan(0);
  });

  test('usage with every count zero (some proxies send it) after an answer streamed: charged the bot\'s own count, like no usage', async () => {
    const channelId = freshChannel();
    const answer = 'An answer a proxy reported as costing nothing at all.';
    h.openai.chat.enqueue({ text: answer, usage: { prompt_tokens: 0, completion_tokens: 0 } });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual([answer]);
    const sent = h.openai.chat.requests.at(-1)!;
    expect(sent.stream_options).toEqual({ include_usage: true });
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(answer), 'gpt-4o-mini') });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeGreaterThan(0);
    // The stored exchange doesn't keep the proxy's zeros as if they were the service's counts.
    expect(h.bot.ctx.db.prepare('SELECT prompt_tokens FROM turns WHERE channel_id = ? AND role = \'assistant\'').pluck().get(channelId)).toBeNull();
  });

  test('usage with zero prompt tokens but an output count (a proxy that counts only the output): the prompt is not free', async () => {
    const channelId = freshChannel();
    const answer = 'An answer whose prompt a proxy reported as zero tokens.';
    h.openai.chat.enqueue({ text: answer, usage: { prompt_tokens: 0, completion_tokens: 12 } });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual([answer]);
    const [row] = ledger(channelId);
    // The output the proxy did count is kept; the prompt is the bot's own count.
    expect(row).toMatchObject({ state: 'settled', outputTokens: 12 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeGreaterThan(0);
  });

  test('no usage and a refusal instead of an answer: the prompt it read and the refusal it wrote are charged', async () => {
    h.openai.compat = { noUsage: true };
    const channelId = freshChannel();
    const refusal = "I'm sorry, but I can't help with writing that, since it could be used to hurt someone.";
    h.openai.chat.enqueue({ text: '', refusal });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toContain(refusal);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.outputTokens).toBeGreaterThanOrEqual(15);
    expect(row!.charged).toBeGreaterThan(0);
  });

  test('/translate with no usage and no finish_reason is translated and charged', async () => {
    h.openai.compat = { noUsage: true, noFinishReason: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'SOURCE: French | fr\n---\nGood morning' });
    const i = h.command('translate', { text: 'Bonjour', to: 'English' }, { channelId });
    await h.settled(i);
    expect(shown(i)).toMatch(/Good morning/);
    expect(shown(i)).not.toMatch(/cut off|⚠️/);
    expect(ledger(channelId)).toMatchObject([{ command: 'translate', state: 'settled' }]);
  });

  test('thinking sent as reasoning_content or reasoning is never shown or stored as the answer', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue(
      { reasoning: 'The user greets me. I should greet back.', text: 'Hello there!' },
      { reasoning: 'Think, think.', reasoningField: 'reasoning', text: 'Second answer.' },
    );
    const first = await ask(channelId);
    const second = await ask(channelId, 'Again?');
    expect(first.transcript()).toEqual(['Hello there!']);
    expect(second.transcript()).toEqual(['Second answer.']);
    expect(turns(channelId).map((t) => t.content)).toEqual(['Hello?', 'Hello there!', 'Again?', 'Second answer.']);
  });

  test('Mistral\'s content as a list of chunks (magistral: thinking, then text) is read as thinking and answer', async () => {
    h.openai.compat = { noUsage: true };
    const plain = freshChannel();
    const channelId = freshChannel();
    const reasoning = 'The user greets me, so I should greet back after thinking it over. '.repeat(10);
    h.openai.chat.enqueue({ text: 'Hello there!' }, { reasoning, reasoningField: 'chunks', text: 'Hello there!' });
    await ask(plain);
    expect((await ask(channelId)).transcript()).toEqual(['Hello there!']);
    expect(turns(channelId).map((t) => t.content)).toEqual(['Hello?', 'Hello there!']);
    // The thinking, streamed in its chunks, is billed output: charged by the bot's count without usage.
    expect(ledger(channelId)[0]!.outputTokens! - ledger(plain)[0]!.outputTokens!).toBeGreaterThanOrEqual(100);
  });

  test('with no usage, the thinking streamed beside the answer is charged as output too', async () => {
    h.openai.compat = { noUsage: true };
    const plain = freshChannel();
    const thinking = freshChannel();
    h.openai.chat.enqueue({ text: 'Short answer.' }, { reasoning: 'Let me think about this at length. '.repeat(20), text: 'Short answer.' });
    await ask(plain);
    await ask(thinking);
    const [a] = ledger(plain);
    const [b] = ledger(thinking);
    expect(b!.outputTokens! - a!.outputTokens!).toBeGreaterThanOrEqual(100);
    expect(b!.charged).toBeGreaterThan(a!.charged);
  });

  test('only thinking and no answer: said so, nothing stored', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ reasoning: 'I will think forever.', text: '' });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['The model returned an empty answer. Please try rephrasing.']);
    expect(turns(channelId)).toHaveLength(0);
  });
});

describe('errors sent inside the stream (HTTP 200) get the same plain replies as OpenAI\'s', () => {
  test.each([
    ['llama.cpp server error (object)', { code: 500, message: 'failed to decode the batch', type: 'server_error' }, 'The AI service had an internal error. Please try again in a moment.'],
    ['LiteLLM rate limit (object, code "429")', { message: 'litellm.RateLimitError: Please try again in 20s', type: 'None', param: 'None', code: '429' }, 'The AI service is busy right now. Please try again in about 20 s.'],
    ['a proxy\'s quota error (object)', { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', code: 'insufficient_quota' }, /OpenAI account is out of credit/],
    ['vLLM bad request (object)', { message: 'temperature must be non-negative', type: 'BadRequestError', param: null, code: 400 }, BAD_REQUEST],
    ['a string body naming a rate limit', 'Rate limit exceeded', 'The AI service is busy right now. Please try again in a minute.'],
    ['a string body nobody can classify', 'upstream failed', 'The AI service had an internal error. Please try again in a moment.'],
  ])('before any text: %s', async (_name, streamError, reply) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ streamError });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toEqual(typeof reply === 'string' ? reply : expect.stringMatching(reply));
    expect(i.transcript()[0]).not.toMatch(/couldn't reach/);
    expect(turns(channelId)).toHaveLength(0);
    // The server answered with an error before any text: nothing was billed, nothing is charged.
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
  });

  test('a context overflow sent as an event is trimmed and retried like OpenAI\'s', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'first' });
    await ask(channelId, 'question one');
    h.openai.chat.enqueue(
      { streamError: { code: 400, message: 'request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it', type: 'exceed_context_size_error' } },
      { text: 'Fits now.' },
    );
    const i = await ask(channelId, 'question two');
    expect(i.transcript()).toEqual(['Fits now.']);
  });

  test('after some text: what was shown stays, the server\'s error is named, nothing stored', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Half an answer. The rest', chunks: ['Half an answer.', ' The rest'], afterChunks: 1, streamError: { message: 'CUDA out of memory', type: 'InternalServerError', param: null, code: 500 } });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toBe('Half an answer.\n\n⚠️ The answer is incomplete: the AI service reported an internal error partway through.');
    expect(turns(channelId)).toHaveLength(0);
  });

  test('after some text: the prompt and the text that arrived are charged (the server billed them), not released', async () => {
    const channelId = freshChannel();
    const arrived = 'Half an answer that the member already saw. ';
    h.openai.chat.enqueue({ text: `${arrived}The rest`, chunks: [arrived, 'The rest'], afterChunks: 1, streamError: { message: 'CUDA out of memory', type: 'InternalServerError', param: null, code: 500 } });
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    const { pricing, tokens } = h.bot.ctx.services;
    // Our count of the text that arrived (no usage came before the error), and not of the part that never did.
    expect(row!.outputTokens).toBe(tokens.weigh(tokens.countMessage(arrived), 'gpt-4o-mini'));
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBe(pricing.chatCost('gpt-4o-mini', { promptTokens: row!.inputTokens!, completionTokens: row!.outputTokens!, cachedTokens: 0 }));
  });

  test('a local reasoning model\'s thinking (its template opened <think>, held back until </think>) and then an error event: what streamed is charged', async () => {
    const model = 'deepseek-r1:14b';
    h.openai.addModel(model);
    const channelId = freshChannel();
    h.bot.ctx.services.settings.updateChannel({ guildId: h.bot.ctx.config.devGuildId!, channelId, parentId: null }, { model }, 'admin');
    const thinking = 'Okay, the user says hello. I should greet them back warmly and ask how I can help today.';
    h.openai.chat.enqueue({ text: thinking, afterChunks: 4, streamError: { message: 'CUDA out of memory', type: 'InternalServerError', param: null, code: 500 } });
    const i = await ask(channelId);
    // Nothing of the thinking is shown as an answer: the server's error is.
    expect(i.transcript()).toEqual(['The AI service had an internal error. Please try again in a moment.']);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    // Four 20-character pieces of thinking arrived: about 16 tokens of output the server billed.
    expect(row!.outputTokens).toBeGreaterThanOrEqual(12);
    expect(row!.charged).toBeGreaterThan(0);
  });

  test.each([
    ['an error event', { streamError: { message: 'upstream failed', type: 'server_error', code: 500 }, afterChunks: 3 }],
    ['a dropped connection', { cutAfterChunks: 4 }],
  ])('a refusal cut short by %s: the refusal that streamed is charged as output', async (_name, ending) => {
    const channelId = freshChannel();
    const refusal = "I'm sorry, but I can't help with writing that, since it could be used to hurt someone.";
    h.openai.chat.enqueue({ text: '', refusal, ...ending } as Parameters<typeof h.openai.chat.enqueue>[0]);
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    // Three 20-character refusal pieces arrived before the end.
    expect(row!.outputTokens).toBeGreaterThanOrEqual(10);
  });

  test('after some text, a rate limit: shown text kept, "busy" said', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Started.', afterChunks: 1, streamError: 'Rate limit exceeded' });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toBe('Started.\n\n⚠️ The AI service is busy right now. Please try again in a minute.');
    expect(turns(channelId)).toHaveLength(0);
  });

  test('a genuine dropped connection (socket closed before [DONE]) is still "cut off", not stored', async () => {
    h.openai.compat = { noFinishReason: true, noUsage: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ cutAfterChunks: 3, text: 'One. Two. Three.', chunks: ['One. ', 'Two. ', 'Three.'] });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toBe('One. Two.\n\n⚠️ The answer was cut off because the connection to the AI service dropped.');
    expect(turns(channelId)).toHaveLength(0);
  });
});

describe('a server that ignores max_tokens', () => {
  test.each([
    ['en-US', '⚠️ The answer reached its length limit and was cut short.'],
    ['zh-TW', '⚠️ 回答已達長度上限，內容被截斷。'],
  ])('streaming forever (%s): ended at the allowance, shown as cut at the length limit, charged at most the reservation', async (locale, notice) => {
    h.openai.compat = { noUsage: true, noFinishReason: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ endless: { piece: ' word word word word' } });
    const i = h.command('ask', { prompt: 'Count forever.' }, { channelId, locale });
    await h.settled(i, 30_000);
    const { maxOutputTokens } = h.bot.ctx.config;
    const shownText = i.transcript().join('\n');
    expect(shownText.endsWith(notice)).toBe(true);
    // " word" is one token, four to a piece: the stream was ended at the first piece past the allowance.
    expect(shownText.split(/\s+/).filter((word) => word === 'word').length).toBe(Math.floor(maxOutputTokens / 4 + 1) * 4);
    expect(h.openai.chat.endlessSent).toBeLessThan(maxOutputTokens / 4 + 10);
    const row = h.bot.ctx.db.prepare('SELECT state, charged_micros AS charged, reserved_micros AS reserved, output_tokens AS output FROM ledger WHERE channel_id = ?').get(channelId) as { state: string; charged: number; reserved: number; output: number };
    expect(row.state).toBe('settled');
    expect(row.output).toBe(maxOutputTokens);
    expect(row.charged).toBeGreaterThan(0);
    expect(row.charged).toBeLessThanOrEqual(row.reserved);
    expect(h.logs().some((l) => l.level === 40 && String(l.msg).includes('went past the output limit'))).toBe(true);
  }, 40_000);
});

describe('HTTP errors in other shapes', () => {
  test.each([
    ['a reverse proxy\'s HTML 502', { status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' }, 'The AI service had an internal error. Please try again in a moment.'],
    ['a plain-text 400', { status: 400, body: 'invalid request', contentType: 'text/plain' }, BAD_REQUEST],
    ['FastAPI\'s detail', { status: 400, body: '{"detail":"max_tokens is too large"}' }, BAD_REQUEST],
    ['error as a string with a message', { status: 400, body: '{"error":"Bad Request","message":"messages must not be empty"}' }, BAD_REQUEST],
    ['a 404 for the chat route itself', { status: 404, body: '404 page not found', contentType: 'text/plain' }, "This AI service has no chat endpoint (`/chat/completions` under OPENAI_BASE_URL). The bot's host needs to check OPENAI_BASE_URL (for most servers it ends in `/v1`)."],
    // lmstudio-ai/lms#107: a chat request while no model is loaded.
    ['LM Studio with no model loaded (a string error, 404)', { status: 404, body: '{"error":"No models loaded. Please load a model in the developer page or use the `lms load` command."}' }, 'The configured model `gpt-4o-mini` is not available on this AI service. A server admin needs to choose another model.'],
    ['a body that echoes the key', { status: 400, body: JSON.stringify({ error: { message: `Invalid key ${TEST_OPENAI_KEY} for this route`, type: 'invalid_request_error' } }) }, BAD_REQUEST],
  ])('%s', async (_name, rawError, reply) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ rawError });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual([reply]);
    expect(turns(channelId)).toHaveLength(0);
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
    // The failure is logged where an admin looks, classified, and without the key; a refused request with the server's words.
    const logged = h.logs().filter((l) => l.level === 40 && String(l.msg).includes('model call failed'));
    expect(logged.length).toBeGreaterThan(0);
    if (reply === BAD_REQUEST) expect(logged.at(-1)).toMatchObject({ failure: { kind: 'bad_request', message: expect.any(String) as string } });
    expect(h.logLines.join('\n')).not.toContain(TEST_OPENAI_KEY);
  });

  test.each([['ollama' as const], ['vllm' as const]])('a model the server does not have (%s\'s 404) is named', async (style) => {
    h.openai.compat = { modelNotFoundStyle: style };
    const channelId = freshChannel();
    h.bot.ctx.services.settings.updateChannel({ guildId: h.bot.ctx.config.devGuildId!, channelId, parentId: null }, { model: 'llama3.1:8b' }, 'admin');
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['The configured model `llama3.1:8b` is not available on this AI service. A server admin needs to choose another model.']);
  });
});

describe('JSON answers sent without a content-type header', () => {
  test('/imagine still gets its images and charges them', async () => {
    h.openai.compat = { noContentType: true };
    const channelId = freshChannel();
    const i = h.command('imagine', { prompt: 'a lighthouse' }, { channelId });
    await h.settled(i);
    expect(h.openai.requestsTo('/v1/images/generations')).toHaveLength(1);
    expect(i.followUps.length + i.originalEdits.length).toBeGreaterThan(0);
    expect(shown(i)).not.toMatch(/could not handle|no image data/);
    expect(ledger(channelId)).toMatchObject([{ command: 'imagine', state: 'settled' }]);
  });

  test('/transcribe still gets its text', async () => {
    h.openai.compat = { noContentType: true };
    h.openai.audio.enqueue({ text: 'Heard without a content-type.' });
    const i = h.command('transcribe', { audio: { filename: 'note.wav', contentType: 'audio/wav', data: makeWav({ seconds: 1 }) } }, { channelId: freshChannel() });
    await h.settled(i);
    expect(shown(i)).toMatch(/Heard without a content-type\./);
  });
});

describe('a route the server does not have', () => {
  test.each([['gin' as const], ['express' as const], ['lmstudio' as const], ['method' as const]])('/imagine against a server without /images/generations (%s)', async (notFoundStyle) => {
    h.openai.compat = { missingRoutes: ['images'], notFoundStyle };
    const channelId = freshChannel();
    const i = h.command('imagine', { prompt: 'a lighthouse' }, { channelId });
    await h.settled(i);
    expect(shown(i)).toMatch(/This AI service has no image endpoint \(`\/images\/generations` under OPENAI_BASE_URL\).*OPENAI_BASE_URL.*IMAGE_MODEL/);
    expect(shown(i)).not.toMatch(/configured model/);
    expect(ledger(channelId).every((row) => row.state === 'released' && row.charged === 0)).toBe(true);
  });

  test.each([['fastapi' as const], ['nest' as const], ['llamacpp' as const], ['gin' as const], ['lmstudio' as const], ['method' as const]])('/transcribe against a server without /audio/transcriptions (%s)', async (notFoundStyle) => {
    h.openai.compat = { missingRoutes: ['transcriptions'], notFoundStyle };
    const channelId = freshChannel();
    const i = h.command('transcribe', { audio: { filename: 'note.wav', contentType: 'audio/wav', data: makeWav({ seconds: 1 }) } }, { channelId });
    await h.settled(i);
    expect(shown(i)).toMatch(/This AI service has no transcription endpoint \(`\/audio\/transcriptions` under OPENAI_BASE_URL\).*TRANSCRIBE_MODEL/);
    expect(ledger(channelId).every((row) => row.state === 'released' && row.charged === 0)).toBe(true);
  });

  test('in Traditional Chinese too', async () => {
    h.openai.compat = { missingRoutes: ['images'] };
    const i = h.command('imagine', { prompt: '燈塔' }, { channelId: freshChannel(), locale: 'zh-TW' });
    await h.settled(i);
    expect(shown(i)).toMatch(/這個 AI 服務沒有圖片端點/);
  });
});

describe('the start-up check against a compatible server', () => {
  let other: BotHarness | undefined;
  afterAll(async () => { await other?.close(); });
  const warnings = (harness: BotHarness) => harness.logs().filter((l) => l.level === 40).map((l) => String(l.msg));

  test('no /models route: said so, not called a missing DEFAULT_MODEL, and answers still work', async () => {
    other = await BotHarness.start({ openai: { compat: { missingRoutes: ['models'], noUsage: true, noFinishReason: true } } });
    expect(await other.bot.aiServiceChecked).toBe('ok');
    expect(warnings(other).some((m) => m.includes('has no model list (GET /models'))).toBe(true);
    expect(warnings(other).some((m) => m.includes('does not list DEFAULT_MODEL'))).toBe(false);
    other.openai.chat.enqueue({ text: 'Works without a model list.' });
    const i = other.command('ask', { prompt: 'hi' });
    await other.settled(i);
    expect(i.transcript()).toEqual(['Works without a model list.']);
    await other.close();
    other = undefined;
  });

  test('an empty model list: said so, rather than calling the default model missing', async () => {
    other = await BotHarness.start({ openai: { compat: { emptyModels: true } } });
    expect(await other.bot.aiServiceChecked).toBe('ok');
    expect(warnings(other).some((m) => m.includes('lists no models at all'))).toBe(true);
    expect(warnings(other).some((m) => m.includes('does not list DEFAULT_MODEL'))).toBe(false);
  });
});
