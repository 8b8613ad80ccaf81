/**
 * ALLOWED_MODELS: the operator decides which models servers may choose. `/settings model` refuses others in the
 * member's language and its autocomplete offers only allowed ones; a model stored before the list existed is never
 * used again (DEFAULT_MODEL answers, for /ask, mentions, threads, /translate and images alike) and `/settings show` says so.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GLOBAL_COMMANDS, BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { craftPng } from '../../support/craftedImages.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID, type FakeInteraction, type FakeInteractionSpec } from '../../support/fakeDiscord.ts';

const MANAGE_GUILD = 1n << 5n;
/** Set before the list: not allowed by it. */
const STORED = 'gpt-4.1';
/** The harness's DEFAULT_MODEL, on the list. */
const DEFAULT = 'gpt-4o-mini';
/** The last entry lets a gpt-4o-mini fine-tune be trained, but not the fake's (fake-org). */
const ALLOWED = ' GPT-4o* , o4-mini, ft:gpt-4o-mini-2024-07-18:kept-org* ';
const [OLD_CHANNEL, KEPT_CHANNEL, FRESH_CHANNEL, IMAGE_CHANNEL, TRANSLATE_CHANNEL, MENTION_CHANNEL] = TEST_CHANNEL_IDS;

async function settings(h: BotHarness, subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i = h.command('settings', options, { subcommand, permissions: String(MANAGE_GUILD), ...spec });
  await h.settled(i);
  return (i.callbacks[0]!.data as { content: string }).content;
}

async function autocomplete(h: BotHarness, value: string): Promise<string[]> {
  const i: FakeInteraction = h.discord.sendInteraction({
    kind: 'autocomplete', commandName: 'settings', guildId: DEFAULT_GUILD_ID, subcommand: 'model', focused: 'name', options: { name: value },
  });
  await i.callback();
  return (i.callbacks[0]!.data as { choices: { value: string }[] }).choices.map((c) => c.value);
}

const lastModel = (h: BotHarness) => h.openai.chat.lastRequest?.model;
const storedModel = (h: BotHarness, channelId: string) => h.bot.ctx.db.prepare('SELECT model FROM channel_settings WHERE channel_id = ?').pluck().get(channelId);

let h: BotHarness;

beforeAll(async () => {
  h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, ALLOWED_MODELS: ALLOWED } });
  // Stored before the list existed (the settings store, like an older release, takes any model): a channel, the parent
  // of the test thread, and one model the list keeps.
  const store = (channelId: string, model: string) => h.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model }, 'an-admin');
  for (const channelId of [OLD_CHANNEL!, DEFAULT_CHANNEL_ID, IMAGE_CHANNEL!, TRANSLATE_CHANNEL!, MENTION_CHANNEL!]) store(channelId, STORED);
  store(KEPT_CHANNEL!, 'gpt-4o');
}, 60_000);
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

describe('/settings model under ALLOWED_MODELS', () => {
  test.each([
    ['en-US', "`gpt-4.1` was not set: the bot's host allows only some models on this bot, and this is not one of them. Choose one of the models suggested as you type."],
    ['zh-TW', '沒有設定 `gpt-4.1`：機器人的架設者只允許在這個機器人上使用部分模型，而這個模型不在其中。請從輸入時顯示的建議中選擇模型。'],
    ['zh-CN', '没有设置 `gpt-4.1`：机器人的部署者只允许在这个机器人上使用部分模型，而这个模型不在其中。请从输入时显示的建议中选择模型。'],
    ['ja', '`gpt-4.1` は設定しませんでした。ボットの運営者はこのボットで使えるモデルを限定しており、このモデルはその中に入っていません。入力中に表示される候補から選んでください。'],
  ])('refuses a model outside the list (%s), naming only that model, and stores nothing', async (locale, reply) => {
    const text = await settings(h, 'model', { name: STORED }, { channelId: FRESH_CHANNEL!, locale });
    expect(text).toBe(reply);
    expect(text).not.toContain('o4-mini');
    expect(storedModel(h, FRESH_CHANNEL!)).toBeUndefined();
  });

  test('accepts a model the list allows, by prefix and whatever its case', async () => {
    // Allowed whatever its case, and stored as OpenAI spells it (modelSpelling.test.ts).
    expect((await settings(h, 'model', { name: 'GPT-4o-2024-08-06' }, { channelId: FRESH_CHANNEL! })).split('\n')[0]).toBe('This channel now uses `gpt-4o-2024-08-06`.');
    expect(await settings(h, 'model', { name: 'o4-mini' }, { channelId: FRESH_CHANNEL! })).toBe('This channel now uses `o4-mini`.');
    expect(storedModel(h, FRESH_CHANNEL!)).toBe('o4-mini');
    await settings(h, 'model', { name: 'default' }, { channelId: FRESH_CHANNEL! });
  });

  test('autocomplete offers only allowed models, though the server still stores others', async () => {
    const empty = await autocomplete(h, '');
    expect(empty[0]).toBe('default');
    expect(empty).toEqual(expect.arrayContaining([DEFAULT, 'gpt-4o', 'o4-mini']));
    const gpt = await autocomplete(h, 'gpt');
    expect(gpt.length).toBeGreaterThan(2);
    expect(gpt.filter((model) => !model.toLowerCase().startsWith('gpt-4o'))).toEqual([]);
    expect(await autocomplete(h, '4.1')).toEqual([]);
  });
});

describe('a channel whose stored model the list no longer allows', () => {
  test('/ask there is answered with DEFAULT_MODEL; a stored model the list keeps is still used', async () => {
    await h.settled(h.command('ask', { prompt: 'hello' }, { channelId: OLD_CHANNEL! }));
    expect(lastModel(h)).toBe(DEFAULT);
    await h.settled(h.command('ask', { prompt: 'hello' }, { channelId: KEPT_CHANNEL! }));
    expect(lastModel(h)).toBe('gpt-4o');
  });

  test('a thread inheriting it, a mention, /translate and a question with an image: DEFAULT_MODEL each time', async () => {
    await h.settled(h.command('ask', { prompt: 'hello' }, { channelId: DEFAULT_THREAD_ID }));
    expect(lastModel(h)).toBe(DEFAULT);
    h.discord.sendMessage({ channelId: MENTION_CHANNEL!, content: `<@${h.discord.botUser.id}> hello` });
    await h.repliedIn([MENTION_CHANNEL!]);
    expect(lastModel(h)).toBe(DEFAULT);
    await h.settled(h.command('translate', { text: 'Hello', to: 'fr' }, { channelId: TRANSLATE_CHANNEL! }));
    expect(lastModel(h)).toBe(DEFAULT);
    await h.settled(h.command('ask', { prompt: 'What is this?', image: { filename: 'cat.png', data: craftPng(64, 64) } }, { channelId: IMAGE_CHANNEL! }));
    expect(lastModel(h)).toBe(DEFAULT);
    expect(h.openai.chat.requests.map((r) => r.model)).toEqual([DEFAULT, DEFAULT, DEFAULT, DEFAULT]);
  });

  test.each([
    ['en-US', OLD_CHANNEL!, `• Model: \`${DEFAULT}\` (the bot's default)\n  ⚠️ \`${STORED}\` (set here) is no longer allowed by the bot's host, so the bot's default is used instead. \`/settings model\` chooses an allowed model.`],
    ['zh-TW', DEFAULT_THREAD_ID, `• 模型：\`${DEFAULT}\`（機器人的預設）\n  ⚠️ \`${STORED}\`（`],
    ['zh-CN', OLD_CHANNEL!, `• 模型：\`${DEFAULT}\`（机器人的默认值）\n  ⚠️ \`${STORED}\`（本频道的设置）已不在机器人的部署者允许的模型中，所以改用机器人的默认模型。可用 \`/settings model\` 选择允许的模型。`],
    ['ja', OLD_CHANNEL!, `• モデル：\`${DEFAULT}\`（ボットの既定値）\n  ⚠️ \`${STORED}\`（このチャンネルで設定）はボットの運営者が許可するモデルから外れたため、代わりにボットの既定のモデルを使っています。`],
  ])('/settings show (%s) says the stored choice is not allowed and the default is used', async (locale, channelId, line) => {
    expect(await settings(h, 'show', {}, { channelId, locale })).toContain(line);
  });

  test('a thread\'s show names the parent the refused model comes from; a kept model shows no warning', async () => {
    const shown = await settings(h, 'show', {}, { channelId: DEFAULT_THREAD_ID, locale: 'zh-TW' });
    expect(shown).toContain(`（沿用 <#${DEFAULT_CHANNEL_ID}>）已不在機器人的架設者允許的模型中，所以改用機器人的預設模型。`);
    expect(await settings(h, 'show', {}, { channelId: KEPT_CHANNEL! })).not.toContain('⚠️');
  });
});

describe('/finetune start and use under ALLOWED_MODELS', () => {
  async function finetune(subcommand: string, options: FakeInteractionSpec['options'], locale = 'en-US'): Promise<string> {
    const i = h.command('finetune', options, { subcommand, permissions: String(MANAGE_GUILD), locale });
    await h.settled(i);
    return i.transcript().join('\n');
  }

  test('a fine-tuned model the list leaves out is not set on the channel (en, zh-TW)', async () => {
    const line = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n';
    const uploaded = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: Buffer.from(line.repeat(10)) } });
    const fileId = /`(file-[\w-]+)`/.exec(uploaded)![1]!;
    const started = await finetune('start', { file: fileId, model: 'gpt-4o-mini-2024-07-18', epochs: 1 });
    const jobId = /`(ftjob-[\w-]+)`/.exec(started)![1]!;
    const model = h.openai.fineTuning.advance(jobId, 'succeeded').fine_tuned_model!;
    await h.bot.ctx.services.fineTunes.tracker.checkAll();
    expect(await finetune('use', { job: jobId, channel: FRESH_CHANNEL! })).toBe(
      `\`${model}\` was not set on <#${FRESH_CHANNEL}>: the bot's host allows only some models on this bot, and this fine-tuned model is not one of them.`,
    );
    expect(await finetune('use', { job: jobId, channel: FRESH_CHANNEL! }, 'zh-TW')).toBe(
      `沒有在 <#${FRESH_CHANNEL}> 設定 \`${model}\`：機器人的架設者只允許在這個機器人上使用部分模型，而這個微調模型不在其中。`,
    );
    expect(storedModel(h, FRESH_CHANNEL!)).toBeUndefined();
  });

  test('the finished job\'s notice and status say its model can\'t be used here instead of inviting /finetune use (en, zh-TW, zh-CN, ja)', async () => {
    const line = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n';
    const notices = () => h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${DEFAULT_CHANNEL_ID}/messages`).map((r) => (r.body as { content: string }).content);
    const outcomes = [];
    for (const locale of ['en-US', 'zh-TW', 'zh-CN', 'ja']) {
      const uploaded = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: Buffer.from(line.repeat(10)) } }, locale);
      const fileId = /`(file-[\w-]+)`/.exec(uploaded)![1]!;
      const jobId = /`(ftjob-[\w-]+)`/.exec(await finetune('start', { file: fileId, model: 'gpt-4o-mini-2024-07-18', epochs: 1 }, locale))![1]!;
      const model = h.openai.fineTuning.advance(jobId, 'succeeded').fine_tuned_model!;
      const before = notices().length;
      await h.bot.ctx.services.fineTunes.tracker.checkAll();
      const notice = notices().slice(before).find((content) => content.includes(jobId));
      outcomes.push({ locale, model, notice, status: await finetune('status', { job: jobId }, locale) });
    }
    for (const { notice, status } of outcomes) {
      expect(notice).toBeDefined();
      expect(`${notice}\n${status}`).not.toContain('/finetune use');
    }
    const [en, zhTw, zhCn, ja] = outcomes;
    const sentence = {
      en: "The bot's host allows only some models on this bot, and this one is not among them: it can't be used here unless the bot's host adds it.",
      zhTw: '機器人的架設者只允許在這個機器人上使用部分模型，而這個模型不在其中：除非架設者把它加入，否則無法在這裡使用。',
      zhCn: '机器人的部署者只允许在这个机器人上使用部分模型，而这个模型不在其中：除非部署者把它加入，否则无法在这里使用。',
      ja: 'ボットの運営者はこのボットで使えるモデルを限定しており、このモデルはその中に入っていません。運営者が追加しない限り、ここでは使えません。',
    };
    expect(en!.notice).toMatch(new RegExp(`^✅ Fine-tuning job \`ftjob-[\\w-]+\` finished: \`${en!.model}\` is trained \\(.+\\)\\. `));
    expect(en!.notice!.endsWith(sentence.en)).toBe(true);
    expect(en!.status).toContain(`Fine-tuned model: \`${en!.model}\`. ${sentence.en}`);
    expect(zhTw!.notice!.endsWith(sentence.zhTw) && zhTw!.status.includes(`微調後的模型：\`${zhTw!.model}\`。${sentence.zhTw}`)).toBe(true);
    expect(zhCn!.notice!.endsWith(sentence.zhCn) && zhCn!.status.includes(`微调后的模型：\`${zhCn!.model}\`。${sentence.zhCn}`)).toBe(true);
    expect(ja!.notice!.endsWith(sentence.ja) && ja!.status.includes(`ファインチューニング済みモデル：\`${ja!.model}\`。${sentence.ja}`)).toBe(true);
  });

  test.each([
    ['en-US', "No fine-tuning job was started and nothing was charged: the bot's host allows only some models on this bot, and no model fine-tuned from `gpt-4.1-mini-2025-04-14` would be one of them, so it could never be used here."],
    ['zh-TW', '沒有開始微調任務，也沒有收費：機器人的架設者只允許在這個機器人上使用部分模型，而從 `gpt-4.1-mini-2025-04-14` 微調出的模型不會在其中，所以在這裡永遠無法使用。'],
  ])('/finetune start refuses a base no allowed fine-tune can come from, before any job or charge (%s)', async (locale, reply) => {
    const jobs = () => h.bot.ctx.db.prepare('SELECT COUNT(*) FROM fine_tune_jobs').pluck().get();
    const before = jobs();
    expect(await finetune('start', { file: 'file-anything', model: 'gpt-4.1-mini-2025-04-14', epochs: 1 }, locale)).toBe(reply);
    expect(jobs()).toBe(before);
    expect(h.openai.fineTuning.jobs.size).toBe(0);
  });
});

describe('direct messages', () => {
  test('use DEFAULT_MODEL as before', async () => {
    await h.settled(h.command('ask', { prompt: 'hello' }, { guildId: undefined, user: { id: '540000000000000077', username: 'dm' } }));
    expect(lastModel(h)).toBe(DEFAULT);
  });
});
