/**
 * Model ids are case-sensitive at OpenAI (and at the fake): `/settings model GPT-4o` stored as typed made every later
 * question a 404. A name that matches a known model only by case is stored as the known spelling, and the reply says so;
 * a name the bot knows as typed, or knows nothing of (a local server's own), is kept as typed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';
import { type FakeInteractionSpec } from '../../support/fakeDiscord.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

const MANAGE_GUILD = 1n << 5n;
/** A compatible server's own mixed-case names, listed by its GET /models. */
const LOCAL = 'Llama-3-Local';
const LOCAL_EXACT = 'qwen2.5:7B';
const freshChannel = channelPool();

async function settings(h: BotHarness, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec>): Promise<string> {
  const i = h.command('settings', options, { subcommand: 'model', permissions: String(MANAGE_GUILD), ...spec });
  await h.settled(i);
  return (i.callbacks[0]!.data as { content: string }).content;
}

const storedModel = (h: BotHarness, channelId: string) => h.bot.ctx.db.prepare('SELECT model FROM channel_settings WHERE channel_id = ?').pluck().get(channelId);

async function askIn(h: BotHarness, channelId: string): Promise<string> {
  const ask = h.command('ask', { prompt: 'hello' }, { channelId });
  await h.settled(ask);
  return ask.transcript().join('\n');
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env: { ALLOWED_MODELS: 'gpt-4o*,gpt-4o-mini,Mixed-Allowed,llama*,qwen*,my-own*' }, openai: { models: [...DEFAULT_MODELS, LOCAL, LOCAL_EXACT, 'Mixed-Allowed'] } });
}, 60_000);
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

describe('/settings model in another case', () => {
  test.each([
    ['GPT-4o', 'gpt-4o', 'the price table and the server list'],
    ['llama-3-LOCAL', LOCAL, "a compatible server's list"],
    ['mixed-allowed', 'Mixed-Allowed', 'an exact ALLOWED_MODELS entry'],
  ])('%s is stored as %s (%s), said so, and /ask then reaches the model', async (typed, known) => {
    const channelId = freshChannel();
    expect(await settings(h, { name: typed }, { channelId })).toMatch(
      new RegExp(`^This channel now uses \`${known}\`\\.\\nModel names are case-sensitive, so it is stored as \`${known}\` \\(you typed \`${typed}\`\\)\\.`));
    expect(storedModel(h, channelId)).toBe(known);
    const answer = await askIn(h, channelId);
    expect(h.openai.chat.lastRequest?.model).toBe(known);
    expect(answer).not.toMatch(/not found|does not exist/i);
  });

  test('a dated snapshot takes its known base\'s spelling', async () => {
    const channelId = freshChannel();
    expect(await settings(h, { name: 'GPT-4o-mini-2024-07-18' }, { channelId })).toContain('stored as `gpt-4o-mini-2024-07-18`');
    expect(storedModel(h, channelId)).toBe('gpt-4o-mini-2024-07-18');
  });

  test.each([
    [LOCAL_EXACT, 'listed as typed'],
    ['my-own-Model', 'known nowhere: a local server may take it as typed'],
  ])('%s is kept as typed (%s), with no note on case', async (typed) => {
    const channelId = freshChannel();
    const reply = await settings(h, { name: typed }, { channelId });
    expect(reply).toMatch(new RegExp(`^This channel now uses \`${typed.replace('.', '\\.')}\`\\.`));
    expect(reply).not.toContain('case-sensitive');
    expect(storedModel(h, channelId)).toBe(typed);
  });

  test('the note is in the member\'s language', async () => {
    const reply = await settings(h, { name: 'GPT-4o' }, { channelId: freshChannel(), locale: 'zh-TW' });
    expect(reply).toBe('這個頻道現在使用 `gpt-4o`。\n模型名稱區分大小寫，因此儲存為 `gpt-4o`（你輸入的是 `GPT-4o`）。');
  });
});
