/**
 * A compatible server's usage and answer shapes that could make an answer cheaper than what was billed, through the
 * real bot: usage sent early in the stream and never again, reasoning tokens counted beside an output count too small
 * to hold them, a whole JSON completion sent back to a streamed request, and counts that can't be right.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const MODEL = 'gpt-4o-mini';
const freshChannel = channelPool();
interface LedgerRow { state: string; charged: number; reserved: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, charged_micros AS charged, reserved_micros AS reserved, input_tokens AS inputTokens, output_tokens AS outputTokens
  FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT content FROM turns WHERE channel_id = ? ORDER BY id').all(channelId).map((t) => (t as { content: string }).content);
const cost = (row: LedgerRow) => h.bot.ctx.services.pricing.chatCost(MODEL, { promptTokens: row.inputTokens!, completionTokens: row.outputTokens!, cachedTokens: 0 });

async function ask(channelId: string, prompt = 'Tell me a long story.') {
  const i = h.command('ask', { prompt }, { channelId });
  await h.settled(i);
  return i;
}

describe('usage in a non-final chunk only', () => {
  const first = 'Once upon a time, ';
  const rest = 'a server counted one token and then kept on writing for a long while, '.repeat(12).trim();

  test('the output that streamed after it is charged on top of the count it gave (it was billed too)', async () => {
    const channelId = freshChannel();
    // The usage rides on the first piece of text (event 1, after the role chunk), counting that piece; no usage follows.
    h.openai.chat.enqueue({ text: first + rest, chunks: [first, rest], usageOnEvent: 1, usageAsSent: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 } });
    const i = await ask(channelId);
    expect(i.transcript().join('')).toBe(first + rest);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', inputTokens: 30, outputTokens: 5 + tokens.weigh(tokens.countMessage(rest), MODEL) });
    expect(row!.charged).toBe(cost(row!));
  });

  test('usage on the last text chunk (the one with finish_reason) is the whole count: charged as reported', async () => {
    const channelId = freshChannel();
    const answer = 'A short answer, counted where it ended.';
    // Event 1 is the only text piece, event 2 the finish_reason: usage on the finish chunk covers everything.
    h.openai.chat.enqueue({ text: answer, chunks: [answer], usageOnEvent: 2, usageAsSent: { prompt_tokens: 30, completion_tokens: 77, total_tokens: 107 } });
    await ask(channelId);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: 30, outputTokens: 77 }]);
  });
});

describe('usage that counts the prompt but 0 output tokens after text streamed (a proxy\'s zero)', () => {
  test('the text is charged by the bot\'s count beside the reported prompt: it was not free', async () => {
    const channelId = freshChannel();
    const answer = 'An answer a proxy said took no output tokens at all, though it streamed in full.';
    h.openai.chat.enqueue({ text: answer, usageAsSent: { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 } });
    const i = await ask(channelId);
    expect(i.transcript().join('')).toBe(answer);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', inputTokens: 30, outputTokens: tokens.weigh(tokens.countMessage(answer), MODEL) });
    expect(row!.charged).toBe(cost(row!));
  });
});

describe('a usage along the way with output, then a final one with 0 output tokens (a proxy\'s zero)', () => {
  test('the earlier output count stands, and the text after it is charged on top', async () => {
    const channelId = freshChannel();
    const first = 'Once upon a time, ';
    const rest = 'a proxy counted the first piece and then said the whole answer took no output at all, '.repeat(6).trim();
    h.openai.chat.enqueue({
      text: first + rest, chunks: [first, rest],
      earlierUsage: { onEvent: 1, usageAsSent: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 } },
      usageAsSent: { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 },
    });
    await ask(channelId);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', inputTokens: 30, outputTokens: 5 + tokens.weigh(tokens.countMessage(rest), MODEL) });
    expect(row!.charged).toBe(cost(row!));
  });
});

describe('reasoning tokens beside completion_tokens', () => {
  test('more reasoning tokens than completion_tokens can hold are billed on top of them, whatever total_tokens says', async () => {
    const channelId = freshChannel();
    const usageAsSent = { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, completion_tokens_details: { reasoning_tokens: 900 } };
    h.openai.chat.enqueue({ text: 'Thought hard, answered briefly.', usageAsSent });
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: 40, outputTokens: 912 });
    expect(row!.charged).toBe(cost(row!));
  });

  test('reasoning tokens inside completion_tokens (OpenAI\'s way) are charged once', async () => {
    const channelId = freshChannel();
    const usageAsSent = { prompt_tokens: 40, completion_tokens: 912, total_tokens: 952, completion_tokens_details: { reasoning_tokens: 900 } };
    h.openai.chat.enqueue({ text: 'Thought hard, answered briefly.', usageAsSent });
    await ask(channelId);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: 40, outputTokens: 912 }]);
  });
});

describe('a 200 JSON completion sent back to a streamed request (a server that ignores `stream`)', () => {
  test('the answer is shown, stored and charged the usage it came with', async () => {
    h.openai.compat = { ignoresStream: true };
    const channelId = freshChannel();
    const answer = 'The whole answer at once, as JSON, although a stream was asked for.';
    h.openai.chat.enqueue({ text: answer, usage: { prompt_tokens: 55, completion_tokens: 321 } });
    const i = await ask(channelId, 'Hello?');
    expect(i.transcript()).toEqual([answer]);
    expect(turns(channelId)).toEqual(['Hello?', answer]);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', inputTokens: 55, outputTokens: 321 });
    expect(row!.charged).toBe(cost(row!));
  });

  test('without a content-type too: the body itself says it is JSON', async () => {
    h.openai.compat = { ignoresStream: true, noContentType: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Plain JSON, unlabelled.', usage: { prompt_tokens: 55, completion_tokens: 123 } });
    expect((await ask(channelId, 'Hello?')).transcript()).toEqual(['Plain JSON, unlabelled.']);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: 55, outputTokens: 123 }]);
  });

  test('a real stream labelled application/json (a proxy\'s mistake) is still read as a stream', async () => {
    h.openai.compat = { streamContentType: 'application/json' };
    const channelId = freshChannel();
    const answer = 'Streamed in pieces under the wrong label, and read all the same.';
    h.openai.chat.enqueue({ text: answer, usage: { prompt_tokens: 55, completion_tokens: 99 } });
    expect((await ask(channelId, 'Hello?')).transcript()).toEqual([answer]);
    expect(turns(channelId)).toEqual(['Hello?', answer]);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled', inputTokens: 55, outputTokens: 99 }]);
  });
});

describe('an error sent as the whole body with a 200 (some proxies), to a streamed request', () => {
  const SERVER_ERROR = { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null };
  const EMPTY_ACCOUNT = { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' };
  const RATE_LIMIT = { message: 'Rate limit reached for requests. Please try again in 20s.', type: 'requests', param: null, code: 'rate_limit_exceeded' };
  test.each([
    ['a server error', SERVER_ERROR, 'application/json'],
    ['an empty account', EMPTY_ACCOUNT, 'application/json'],
    ['a rate limit labelled as a stream', RATE_LIMIT, 'text/event-stream'],
    ['an empty account labelled as a stream', EMPTY_ACCOUNT, 'text/event-stream'],
    ['a rate limit without a content-type', RATE_LIMIT, null],
  ])('%s is read as the same error sent as an event: the same reply, nothing charged before any text', async (_name, error, contentType) => {
    const asEvent = freshChannel();
    h.openai.chat.enqueue({ streamError: error });
    const expected = (await ask(asEvent, 'Hello?')).transcript();
    expect(expected[0]).not.toBe('');
    const asBody = freshChannel();
    h.openai.chat.enqueue({ rawError: { status: 200, body: JSON.stringify({ error }), contentType } });
    const i = await ask(asBody, 'Hello?');
    expect(i.transcript()).toEqual(expected);
    expect(i.transcript()[0]).not.toContain(error.message);
    expect(ledger(asBody).reduce((sum, row) => sum + row.charged, 0)).toBe(0);
    expect(turns(asBody)).toEqual([]);
  });
});

describe('counts that can\'t be right are never read as a cheaper answer', () => {
  const answer = 'An answer whose usage makes no sense.';
  test.each([
    ['cached tokens larger than the prompt', { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: 400 } }],
    ['a negative output count', { prompt_tokens: 40, completion_tokens: -12, total_tokens: 28 }],
    ['a negative output count without a total', { prompt_tokens: 40, completion_tokens: -12 }],
    ['a negative cached count', { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: -40 } }],
    ['a fractional output count', { prompt_tokens: 40, completion_tokens: 12.5, total_tokens: 52.5 }],
  ])('%s: charged the reservation (the worst case), as any cost the bot can\'t work out', async (_name, usageAsSent) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: answer, usageAsSent });
    await ask(channelId);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.charged).toBe(row!.reserved);
  });

  test.each([
    ['the counts as strings', { prompt_tokens: '40', completion_tokens: '1', total_tokens: '41' }],
    ['the output count as a string beside a real prompt count', { prompt_tokens: 40, completion_tokens: '1', total_tokens: 41 }],
  ])('%s: read as no usage, charged the bot\'s own count', async (_name, usageAsSent) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: answer, usageAsSent });
    await ask(channelId);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(answer), MODEL) });
    expect(row!.inputTokens).toBeGreaterThan(40);
    expect(row!.charged).toBe(cost(row!));
  });
});

describe('an event that is not JSON (a broken stream) after the request was read', () => {
  test('on a paid model before any text: charged its prompt, as a stream cut after it was read', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ streamError: null, rawEvent: 'upstream connect error or disconnect/reset before headers' });
    const i = await ask(channelId, 'Hello?');
    expect(i.transcript()[0]).toBe('The AI service had an internal error. Please try again in a moment.');
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', outputTokens: 0 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBe(cost(row!));
  });

  test('on a local model (priced only by the UNPRICED_MODELS fallback on this private host) before any text: free, as Ollama\'s failures are', async () => {
    const channelId = freshChannel();
    h.openai.addModel('llama3.2');
    await h.settled(h.command('settings', { name: 'llama3.2' }, { subcommand: 'model', channelId, permissions: String(1n << 5n) }));
    h.openai.chat.enqueue({ streamError: null, rawEvent: 'upstream reset' });
    await ask(channelId, 'Hello?');
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
  });

  test('after some text: the prompt and the text are charged', async () => {
    const channelId = freshChannel();
    const arrived = 'Half an answer that the member already saw. ';
    h.openai.chat.enqueue({ streamError: null, rawEvent: 'upstream reset', text: `${arrived}The rest`, chunks: [arrived, 'The rest'], afterChunks: 1 });
    await ask(channelId, 'Hello?');
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(arrived), MODEL) });
    expect(row!.charged).toBe(cost(row!));
  });
});
