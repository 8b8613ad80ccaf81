/**
 * Errors a compatible server or proxy sends mid-stream as a named SSE event (`event: error`), with the error either
 * wrapped as OpenAI's `{"error": …}` or as the event's whole data (the shape OpenAI's own Responses stream uses for its
 * error events): each is the error it says, with OpenAI's reply for it and no charge before any text, never an
 * unmarked end charged as a cut stream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const MODEL = 'gpt-4o-mini';
const freshChannel = channelPool();
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT content FROM turns WHERE channel_id = ? ORDER BY id').all(channelId);
interface LedgerRow { state: string; charged: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT state, charged_micros AS charged, input_tokens AS inputTokens, output_tokens AS outputTokens
  FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];

async function ask(channelId: string, locale = 'en-US') {
  const i = h.command('ask', { prompt: 'Hello?' }, { channelId, locale });
  await h.settled(i);
  return i;
}

const RATE_LIMIT = { message: 'Rate limit reached for requests. Please try again in 20s.', type: 'rate_limit_error', code: 'rate_limit_exceeded' };
const SERVER_ERROR = { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' };

describe('an `event: error` before any text', () => {
  test.each([
    ['a rate limit', 'en-US', RATE_LIMIT],
    ['a rate limit', 'zh-TW', RATE_LIMIT],
    ['a server error', 'en-US', SERVER_ERROR],
  ])('%s as the event\'s whole data (%s): the same reply as the same error in OpenAI\'s shape, nothing charged', async (_name, locale, error) => {
    const wrapped = freshChannel();
    h.openai.chat.enqueue({ streamError: error });
    const expected = (await ask(wrapped, locale)).transcript();

    const channelId = freshChannel();
    h.openai.chat.enqueue({ streamError: null, eventName: 'error', rawEvent: JSON.stringify(error) });
    expect((await ask(channelId, locale)).transcript()).toEqual(expected);
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(turns(channelId)).toEqual([]);
  });

  test('wrapped as `{"error": …}`: read as the same error', async () => {
    const wrapped = freshChannel();
    h.openai.chat.enqueue({ streamError: RATE_LIMIT });
    const expected = (await ask(wrapped)).transcript();
    const channelId = freshChannel();
    h.openai.chat.enqueue({ streamError: RATE_LIMIT, eventName: 'error' });
    expect((await ask(channelId)).transcript()).toEqual(expected);
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
  });
});

describe('an `event: error` after some text', () => {
  test('what was shown stays and is charged with the prompt; the error is named; nothing stored', async () => {
    const channelId = freshChannel();
    const arrived = 'Half an answer that the member already saw. ';
    h.openai.chat.enqueue({ streamError: null, eventName: 'error', rawEvent: JSON.stringify(RATE_LIMIT), text: `${arrived}The rest`, chunks: [arrived, 'The rest'], afterChunks: 1 });
    const i = await ask(channelId);
    const shown = i.transcript().join('\n');
    expect(shown).toContain(arrived.trim());
    expect(shown).toContain('busy');
    const [row] = ledger(channelId);
    const { tokens, pricing } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(arrived), MODEL) });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBe(pricing.chatCost(MODEL, { promptTokens: row!.inputTokens!, completionTokens: row!.outputTokens!, cachedTokens: 0 }));
    expect(turns(channelId)).toEqual([]);
  });
});
