/**
 * The output allowance within a model's own limits, through the real bot: a reasoning model whose window or output
 * maximum is smaller than REASONING_MAX_OUTPUT_TOKENS (8,192) still answers /ask, mentions and /translate, asks no
 * more than it may write, and reserves that allowance.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { outputAllowanceWithin, PROMPT_ROOM_TOKENS } from '../../src/services/outputAllowance.ts';
import { GLOBAL_COMMANDS, BotHarness, channelPool, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../support/fakeDiscord.ts';
import { DEFAULT_MODELS } from '../support/fakeOpenAI.ts';

const MANAGE_GUILD = String(1n << 5n);
/** Like computer-use-preview in gpt-tokenizer's table: an 8,192-token window and at most 1,024 output tokens. */
const TINY = { name: 'tiny-thinker', contextWindow: 8192, maxOutputTokens: 1024 };
/** A local reasoning model with a 6,000-token window and no known output maximum. */
const NARROW = { name: 'narrow-thinker', contextWindow: 6000 };
/** An ordinary model whose whole window is MAX_OUTPUT_TOKENS (4,096 in the harness). */
const SHORT = { name: 'short-writer', contextWindow: 4096 };
const PRICE = { input: 1, output: 4 }; // USD per 1M tokens: 1 and 4 micro-dollars a token

let h: BotHarness;
const freshChannel = channelPool();
beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bot-pricing-')), 'prices.json');
  writeFileSync(file, JSON.stringify({ chat: Object.fromEntries([TINY, NARROW, SHORT].map(({ name, ...limits }) => [name, { ...PRICE, ...limits }])) }));
  h = await BotHarness.start({
    // DEFAULT_MODEL is what direct messages use.
    env: { ...GLOBAL_COMMANDS, PRICING_FILE: file, REASONING_MODELS: `${TINY.name}, ${NARROW.name}`, UNPRICED_MODELS: 'refuse', DEFAULT_MODEL: TINY.name },
    openai: {
      models: [...DEFAULT_MODELS, TINY.name, NARROW.name, SHORT.name],
      contextWindow: { [TINY.name]: TINY.contextWindow, [NARROW.name]: NARROW.contextWindow, [SHORT.name]: SHORT.contextWindow },
      maxOutputTokens: { [TINY.name]: TINY.maxOutputTokens },
    },
  });
}, 60_000);
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

type Sent = { max_completion_tokens?: number; max_tokens?: number };
const sent = () => h.openai.chat.lastRequest as unknown as Sent;
const ledger = (channelId: string) => h.bot.ctx.db.prepare('SELECT reserved_micros AS reserved, charged_micros AS charged, output_tokens AS output FROM ledger WHERE channel_id = ? ORDER BY id')
  .all(channelId) as { reserved: number; charged: number; output: number }[];
async function useModel(channelId: string, name: string): Promise<void> {
  await h.settled(h.command('settings', { name }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
}

describe('the output allowance within the model\'s own limits', () => {
  test.each([
    // 8,192 wanted; the model writes at most 1,024.
    [TINY.name, 'max_completion_tokens', 1024],
    // 8,192 wanted; 6,000 - 1,024 leaves room for the prompt.
    [NARROW.name, 'max_completion_tokens', 6000 - PROMPT_ROOM_TOKENS],
    // MAX_OUTPUT_TOKENS (4,096) would fill the whole window.
    [SHORT.name, 'max_tokens', 4096 - PROMPT_ROOM_TOKENS],
  ] as const)('/ask on %s is answered, asking %s: %d, and reserves that allowance', async (model, field, allowance) => {
    const channelId = freshChannel();
    await useModel(channelId, model);
    h.openai.chat.enqueue({ text: 'A short answer.' });
    const ask = h.command('ask', { prompt: 'What is the capital of France?' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()).toEqual(['A short answer.']);
    expect(sent()[field]).toBe(allowance);
    const [row] = ledger(channelId);
    // The reservation holds the whole allowance at the output price, on top of a prompt that fits beside it.
    const pricing = h.bot.ctx.services.pricing;
    expect(row!.reserved).toBeGreaterThanOrEqual(pricing.chatWorstCase(model, 1, allowance));
    expect(row!.reserved).toBeLessThanOrEqual(pricing.chatWorstCase(model, h.bot.ctx.services.tokens.limits(model).contextWindow - allowance, allowance));
    expect(row!.charged).toBeLessThan(row!.reserved);
  });

  test('a reasoning model that thinks through its whole allowance is charged it, within what was reserved', async () => {
    const channelId = freshChannel();
    await useModel(channelId, TINY.name);
    h.openai.chat.enqueue({ text: 'Never reached.', reasoningTokens: 5000 });
    const ask = h.command('ask', { prompt: 'Prove it.' }, { channelId });
    await h.settled(ask);
    expect(ask.transcript()[0]).toContain('(1024 tokens)'); // the spent-thinking notice names the allowance
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ output: 1024 });
    expect(row!.charged).toBeLessThanOrEqual(row!.reserved);
  });

  test('in a DM too; thinking through it there, the notice sends nobody to an admin', async () => {
    h.openai.chat.enqueue({ text: 'Never reached.', reasoningTokens: 5000 });
    const ask = h.command('ask', { prompt: 'Prove it.' }, { guildId: undefined, user: { id: '540000000000000002', username: 'eve' } });
    await h.settled(ask);
    expect(sent().max_completion_tokens).toBe(TINY.maxOutputTokens);
    expect(ask.transcript()).toEqual(['The model spent its whole output allowance (1024 tokens) thinking and wrote no answer. Try a narrower question.']);
  });

  test('a mention and /translate get the same allowance', async () => {
    const channelId = freshChannel();
    await useModel(channelId, TINY.name);
    h.openai.chat.enqueue({ text: 'Hi there.' });
    h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> hi` });
    await h.repliedIn([channelId]);
    expect(sent().max_completion_tokens).toBe(TINY.maxOutputTokens);

    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\nBonjour' });
    const translate = h.command('translate', { text: 'Hello', to: 'fr' }, { channelId, guildId: DEFAULT_GUILD_ID });
    await h.settled(translate);
    expect(translate.transcript().join('\n')).toContain('Bonjour');
    expect(sent().max_completion_tokens).toBe(TINY.maxOutputTokens);
  });

  test('the fake, like OpenAI, refuses an output limit past the model\'s own maximum', async () => {
    const response = await fetch(`${h.openai.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_OPENAI_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TINY.name, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 8192 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: {
      message: 'max_completion_tokens is too large: 8192. This model supports at most 1024 completion tokens, whereas you provided 8192.',
      type: 'invalid_request_error', param: 'max_completion_tokens', code: null,
    } });
  });
});

test.each([
  [8192, 1024, 8192, 1024],
  [8192, undefined, 6000, 6000 - PROMPT_ROOM_TOKENS],
  [1024, undefined, 4096, 1024],
  [4096, undefined, 1500, 750],
  [100, undefined, 1, 1],
])('%d wanted, at most %s written, a %d-token window: %d allowed', (wanted, most, window, expected) => {
  expect(outputAllowanceWithin(wanted, window, most)).toBe(expected);
});
