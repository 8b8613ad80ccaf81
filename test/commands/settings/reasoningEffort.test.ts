import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID, type FakeInteractionSpec } from '../../support/fakeDiscord.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';

const MANAGE_GUILD = String(1n << 5n);
const EPHEMERAL = 64;
let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ openai: { models: [...DEFAULT_MODELS, 'o4-mini', 'gpt-5', 'o1-mini'] } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

async function settings(subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec>): Promise<string> {
  const i = h.command('settings', options, { subcommand, permissions: MANAGE_GUILD, ...spec });
  await h.settled(i);
  const data = i.callbacks[0]!.data as { content: string; flags: number };
  expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
  return data.content;
}
const effort = (level: string, channelId: string, locale?: string) => settings('reasoning-effort', { level }, { channelId, locale });
const stored = (channelId: string) => h.bot.ctx.db.prepare('SELECT reasoning_effort FROM channel_settings WHERE channel_id = ?').pluck().get(channelId) ?? null;
async function askBody(channelId: string): Promise<Record<string, unknown>> {
  h.openai.chat.enqueue({ text: 'ok' });
  await h.settled(h.command('ask', { prompt: 'hello' }, { channelId }));
  return h.openai.chat.lastRequest as unknown as Record<string, unknown>;
}

describe('/settings reasoning-effort', () => {
  test('is registered with its five choices, described in every catalogue language', () => {
    const registered = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'settings')!;
    const sub = registered.options!.find((o) => o.name === 'reasoning-effort') as { description_localizations: Record<string, string>; options: { choices: { value: string }[] }[] };
    expect(sub.options[0]!.choices.map((c) => c.value)).toEqual(['minimal', 'low', 'medium', 'high', 'default']);
    expect(Object.keys(sub.description_localizations).sort()).toEqual(['ja', 'zh-CN', 'zh-TW']);
  });

  test('set on a channel: sent by /ask there and inherited by its thread until the thread sets its own; default clears', async () => {
    await settings('model', { name: 'o4-mini' }, { channelId: DEFAULT_CHANNEL_ID });
    expect(await effort('high', DEFAULT_CHANNEL_ID)).toBe('Reasoning models in this channel now think with **high** effort.');
    expect(stored(DEFAULT_CHANNEL_ID)).toBe('high');
    expect(await askBody(DEFAULT_CHANNEL_ID)).toMatchObject({ model: 'o4-mini', reasoning_effort: 'high' });
    expect(await askBody(DEFAULT_THREAD_ID)).toMatchObject({ model: 'o4-mini', reasoning_effort: 'high' });
    expect(await settings('show', {}, { channelId: DEFAULT_THREAD_ID })).toContain(`• Reasoning effort: \`high\` (inherited from <#${DEFAULT_CHANNEL_ID}>)`);

    expect(await effort('low', DEFAULT_THREAD_ID, 'zh-TW')).toBe('這個頻道的推理模型現在以 **low** 程度思考。');
    expect(await askBody(DEFAULT_THREAD_ID)).toMatchObject({ reasoning_effort: 'low' });
    expect(await askBody(DEFAULT_CHANNEL_ID)).toMatchObject({ reasoning_effort: 'high' });

    expect(await effort('default', DEFAULT_THREAD_ID)).toBe(`Reasoning effort is no longer set here; it is now **high** (inherited from <#${DEFAULT_CHANNEL_ID}>).`);
    expect(await effort('default', DEFAULT_CHANNEL_ID, 'zh-TW')).toBe('已清除這個頻道的推理程度設定，現在為模型自己的預設（機器人的預設）。');
    expect(stored(DEFAULT_CHANNEL_ID)).toBeNull();
    expect(await askBody(DEFAULT_THREAD_ID)).not.toHaveProperty('reasoning_effort');
    await settings('model', { name: 'default' }, { channelId: DEFAULT_CHANNEL_ID });
  });

  test.each([
    ['en-US', 'o4-mini', 'minimal', '`minimal` works only with the GPT-5 models gpt-5, gpt-5-mini and gpt-5-nano. This channel uses `o4-mini`, which takes `low`, `medium`, or `high`. Nothing was changed.'],
    ['zh-TW', 'o4-mini', 'minimal', '`minimal` 只適用於 GPT-5 模型 gpt-5、gpt-5-mini 與 gpt-5-nano。這個頻道使用 `o4-mini`，它接受 `low`、`medium`或`high`。設定沒有變更。'],
    ['en-US', 'o1-mini', 'low', '`o1-mini` has no reasoning-effort setting: it always thinks the same way. Nothing was changed.'],
    ['zh-TW', 'o1-mini', 'low', '`o1-mini` 沒有推理程度的設定：它總是以同樣的方式思考。設定沒有變更。'],
  ])('refused plainly for the channel\'s model (%s, %s, %s), nothing stored', async (locale, model, level, reply) => {
    const channelId = TEST_CHANNEL_IDS[locale === 'en-US' ? 0 : 1]!;
    await settings('model', { name: model }, { channelId });
    expect(await effort(level, channelId, locale)).toBe(reply);
    expect(stored(channelId)).toBeNull();
  });

  test('minimal is taken by gpt-5 and sent as is', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    await settings('model', { name: 'gpt-5' }, { channelId });
    expect(await effort('minimal', channelId)).toBe('Reasoning models in this channel now think with **minimal** effort.');
    expect(await askBody(channelId)).toMatchObject({ model: 'gpt-5', reasoning_effort: 'minimal', max_completion_tokens: 8192 });
  });

  test.each([
    ['en-US', 'Reasoning models in this channel now think with **medium** effort.\n-# This channel\'s model, `gpt-4o-mini`, is not a reasoning model: the setting takes effect when the channel uses one (o3, o4-mini, gpt-5…).'],
    ['zh-TW', '這個頻道的推理模型現在以 **medium** 程度思考。\n-# 這個頻道的模型 `gpt-4o-mini` 不是推理模型：要等頻道改用推理模型（o3、o4-mini、gpt-5…）時才會生效。'],
  ])('on an ordinary model it is kept for later, and never sent to that model (%s)', async (locale, reply) => {
    const channelId = TEST_CHANNEL_IDS[locale === 'en-US' ? 3 : 4]!;
    expect(await effort('medium', channelId, locale)).toBe(reply);
    expect(stored(channelId)).toBe('medium');
    const body = await askBody(channelId);
    expect(body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 4096 });
    expect(body).not.toHaveProperty('reasoning_effort');
    await settings('model', { name: 'o4-mini' }, { channelId });
    expect(await askBody(channelId)).toMatchObject({ model: 'o4-mini', reasoning_effort: 'medium' });
  });
});

test('/translate and the Translate menu think with the channel\'s effort and get the reasoning allowance, as /ask does', async () => {
  const channelId = TEST_CHANNEL_IDS[20]!;
  await settings('model', { name: 'o4-mini' }, { channelId });
  await effort('low', channelId);
  h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\nBonjour' });
  await h.settled(h.command('translate', { text: 'Hello', to: 'fr' }, { channelId }));
  const sent = h.openai.chat.lastRequest as unknown as Record<string, unknown>;
  expect(sent).toMatchObject({ model: 'o4-mini', reasoning_effort: 'low' });
  // REASONING_MAX_OUTPUT_TOKENS (8192 by default), not MAX_OUTPUT_TOKENS: a reasoning model thinks out of the same allowance.
  expect(sent.max_completion_tokens).toBe(h.bot.ctx.config.reasoningMaxOutputTokens);
  expect(h.bot.ctx.config.reasoningMaxOutputTokens).toBeGreaterThan(h.bot.ctx.config.maxOutputTokens);

  const carrier = h.discord.sendMessage({ channelId, content: 'Good morning' });
  h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n早安' });
  await h.settled(h.discord.sendInteraction({ kind: 'messageContextMenu', commandName: 'Translate', guildId: DEFAULT_GUILD_ID, channelId, locale: 'zh-TW', targetMessage: carrier }));
  expect(h.openai.chat.lastRequest as unknown as Record<string, unknown>).toMatchObject({ model: 'o4-mini', reasoning_effort: 'low' });
  await settings('model', { name: 'default' }, { channelId });
});
