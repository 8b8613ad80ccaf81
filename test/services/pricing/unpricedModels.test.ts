import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';
import { DEFAULT_GUILD_ID } from '../../support/fakeDiscordState.ts';
import { makeWav } from '../../../src/services/audio/wav.ts';
import { craftPng } from '../../support/craftedImages.ts';

// A model newer than the price table (gpt-tokenizer lists it without a price): charged like gpt-4o, it could cost the
// operator more than every limit shows.
const UNPRICED = 'gpt-5.5';
const MANAGE_GUILD = String(1n << 5n);

const ledgerRows = (h: BotHarness, channelId: string) => h.bot.ctx.db.prepare('SELECT model, charged_micros AS charged FROM ledger WHERE channel_id = ?').all(channelId) as { model: string; charged: number }[];

describe('UNPRICED_MODELS=refuse (the default on OpenAI\'s own API)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({
      env: { UNPRICED_MODELS: 'refuse', DEFAULT_MODEL: UNPRICED, TRANSCRIBE_MODEL: 'gpt-audio-transcribe-next', VISION_MODEL: 'gpt-5.4-mini' },
      openai: { models: [...DEFAULT_MODELS, UNPRICED, 'gpt-audio-transcribe-next'] },
    });
  });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });

  test('start-up warns that the default model has no price', () => {
    expect(h.logLines.some((line) => line.includes('DEFAULT_MODEL has no price') && line.includes(UNPRICED))).toBe(true);
  });

  test.each([
    ['en-US', 'has no price in the bot\'s price table, so the bot won\'t use it'],
    ['zh-TW', '機器人的價格表沒有 `gpt-5.5` 的價格'],
  ])('/ask (%s) with an unpriced model: told why in plain words, nothing sent to OpenAI, nothing reserved or charged', async (locale, words) => {
    const channelId = TEST_CHANNEL_IDS[locale === 'en-US' ? 0 : 1]!;
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId, locale });
    await h.settled(ia);
    expect(ia.transcript().join('\n')).toContain(words);
    expect(ia.transcript().join('\n')).toContain('PRICING_FILE');
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(ledgerRows(h, channelId)).toEqual([]);
  });

  test('/transcribe with an unpriced TRANSCRIBE_MODEL: told the host must price it, nothing downloaded, sent or charged', async () => {
    const channelId = TEST_CHANNEL_IDS[4]!;
    const sent = h.openai.requests.length;
    const i = h.command('transcribe', { audio: { filename: 'note.wav', contentType: 'audio/wav', data: makeWav({ seconds: 1.5 }) } }, { channelId });
    await h.settled(i);
    const reply = i.transcript().join('\n');
    expect(reply).toContain('`gpt-audio-transcribe-next` has no price in the bot\'s price table');
    // Only the operator sets TRANSCRIBE_MODEL: the reply doesn't send admins to /settings.
    expect(reply).not.toContain('/settings');
    expect(h.openai.requests.slice(sent)).toEqual([]);
    expect(h.discord.requests.some((r) => r.method === 'GET' && r.path.startsWith('/attachments/'))).toBe(false);
    expect(ledgerRows(h, channelId)).toEqual([]);
  });

  test('an image question handed to an unpriced VISION_MODEL: told the host must price it, before any image is downloaded', async () => {
    const channelId = TEST_CHANNEL_IDS[5]!;
    // A channel model that can't see, so VISION_MODEL (which only the operator sets) would answer.
    h.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model: 'gpt-3.5-turbo' }, '100000000000000001');
    const sent = h.openai.requests.length;
    const i = h.command('ask', { prompt: 'What is this?', image: { filename: 'x.png', data: craftPng(640, 480, 3000) } }, { channelId });
    await h.settled(i);
    const reply = i.transcript().join('\n');
    expect(reply).toContain('`gpt-5.4-mini` has no price in the bot\'s price table');
    expect(reply).not.toContain('/settings');
    expect(h.openai.requests.slice(sent)).toEqual([]);
    expect(h.discord.requests.some((r) => r.method === 'GET' && r.path.includes('x.png'))).toBe(false);
    expect(ledgerRows(h, channelId)).toEqual([]);
  });

  test('/settings model refuses an unpriced model (the setting is unchanged); a priced one is set and answers, charged', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    const refused = h.command('settings', { name: 'gpt-5.4-mini' }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD });
    await h.settled(refused);
    expect(refused.transcript().join('\n')).toContain('`gpt-5.4-mini` was not set');
    expect(h.bot.ctx.services.settings.forChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }).model.value).toBe(UNPRICED);

    await h.settled(h.command('settings', { name: 'gpt-4o-mini' }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
    h.openai.chat.enqueue({ text: 'Hi there.' });
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId });
    await h.settled(ia);
    expect(ia.transcript()).toEqual(['Hi there.']);
    expect(ledgerRows(h, channelId)).toMatchObject([{ model: 'gpt-4o-mini' }]);
    expect(ledgerRows(h, channelId)[0]!.charged).toBeGreaterThan(0);
  });
});

describe('UNPRICED_MODELS=fallback (the default on any other server)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { DEFAULT_MODEL: UNPRICED }, openai: { models: [...DEFAULT_MODELS, UNPRICED] } });
  });
  afterAll(async () => { await h?.close(); });

  test('an unpriced model answers and is charged at gpt-4o\'s price', async () => {
    const channelId = TEST_CHANNEL_IDS[3]!;
    h.openai.chat.enqueue({ text: 'Hello from a new model.', usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId });
    await h.settled(ia);
    expect(ia.transcript()).toEqual(['Hello from a new model.']);
    // gpt-4o: $2.50 in, $10 out per 1M: 1,000 × 2.5 + 100 × 10 = 3,500 micro-dollars.
    expect(ledgerRows(h, channelId)).toEqual([{ model: UNPRICED, charged: 3500 }]);
  });
});
