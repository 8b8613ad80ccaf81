/**
 * In a direct message no server admin can choose the model (it is DEFAULT_MODEL, the operator's): a model that can't be
 * used is explained as the operator's choice there, in the reader's language, while a server channel keeps pointing at
 * `/settings model`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GLOBAL_COMMANDS, BotHarness, channelPool } from '../support/botHarness.ts';
import { craftPng } from '../support/craftedImages.ts';
import { DEFAULT_MODELS } from '../support/fakeOpenAI.ts';

const UNPRICED = 'mystery-model';
const member = { id: '540000000000000001', username: 'dee' };
const freshChannel = channelPool();

async function dmAsk(h: BotHarness, locale: string): Promise<string> {
  const ask = h.command('ask', { prompt: 'Hello?' }, { guildId: undefined, user: member, locale });
  await h.settled(ask);
  return ask.transcript().join('\n');
}

describe('DEFAULT_MODEL without a price, in a DM', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, DEFAULT_MODEL: UNPRICED, UNPRICED_MODELS: 'refuse' }, openai: { models: [...DEFAULT_MODELS, UNPRICED] } });
  }, 60_000);
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); h.openai.addModel(UNPRICED); });

  test.each([
    ['en-US', "`mystery-model` has no price in the bot's price table, so the bot won't use it: without one it can't keep spending limits. In direct messages the bot's host chooses the model (DEFAULT_MODEL): they can add its price to PRICING_FILE or choose another."],
    ['zh-TW', '機器人的價格表沒有 `mystery-model` 的價格，所以不會使用這個模型：沒有價格就無法控管花費上限。私訊中使用的模型由機器人的架設者決定（DEFAULT_MODEL）：他們可以在 PRICING_FILE 加入它的價格，或改選其他模型。'],
    ['zh-CN', '机器人的价格表中没有 `mystery-model` 的价格，所以不会使用这个模型：没有价格就无法控制花费上限。私信中使用的模型由机器人的部署者决定（DEFAULT_MODEL）：他们可以在 PRICING_FILE 中添加它的价格，或改选其他模型。'],
    ['ja', 'ボットの料金表に `mystery-model` の料金がないため、このモデルは使いません（料金が分からないと利用上限を守れません）。DM で使うモデルはボットの運営者が決めています（DEFAULT_MODEL）。運営者が PRICING_FILE に料金を追加するか、別のモデルを選べます。'],
  ])('/ask in a DM (%s) says the bot\'s host chooses, nothing sent', async (locale, reply) => {
    expect(await dmAsk(h, locale)).toBe(reply);
    expect(h.openai.chat.requests).toHaveLength(0);
  });

  test('a DM message and /translate in a DM say the same; a server channel still names /settings model', async () => {
    h.discord.sendMessage({ dm: true, author: member, content: 'What time is it in Tokyo?' });
    const dm = h.discord.dmChannelId(member.id);
    await h.repliedIn([dm]);
    expect(h.discord.channelMessages(dm).find((m) => m.author.id === h.discord.botUser.id)?.content).toContain('In direct messages the bot\'s host chooses the model (DEFAULT_MODEL)');

    const translate = h.command('translate', { text: 'Hello', to: 'fr' }, { guildId: undefined, user: member });
    await h.settled(translate);
    expect(translate.transcript().join('\n')).toContain('In direct messages the bot\'s host chooses the model (DEFAULT_MODEL)');

    const inServer = h.command('ask', { prompt: 'Hello?' }, { channelId: freshChannel() });
    await h.settled(inServer);
    expect(inServer.transcript().join('\n')).toContain('a server admin can choose another model with `/settings model`');
    expect(h.openai.chat.requests).toHaveLength(0);
  });

  test('an image in a DM for a model that can\'t see: only the bot\'s host can choose one that does', async () => {
    const ask = h.command('ask', { prompt: 'What is this?', image: { filename: 'cat.png', data: craftPng(64, 64) } }, { guildId: undefined, user: member, locale: 'zh-TW' });
    await h.settled(ask);
    expect(ask.transcript().join('\n')).toBe('私訊使用的模型（mystery-model）無法看圖片，而且沒有設定可以看圖片的模型。請不附圖片再問一次；只有機器人的架設者能選擇能看圖片的模型（DEFAULT_MODEL 或 VISION_MODEL）。');
    expect(h.openai.chat.requests).toHaveLength(0);
  });
});

describe('DEFAULT_MODEL that the service lacks or serves only through the Responses API, in a DM', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, DEFAULT_MODEL: 'gpt-4o' } }); }, 60_000);
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });

  test('a model the service doesn\'t have (zh-CN), and in a server channel the admins are still pointed to', async () => {
    h.openai.removeModel('gpt-4o');
    expect(await dmAsk(h, 'zh-CN')).toBe('模型 `gpt-4o` 在这个 AI 服务上无法使用。私信中使用的模型由机器人的部署者决定（DEFAULT_MODEL），只有他们能更换。');
    const inServer = h.command('ask', { prompt: 'Hello?' }, { channelId: freshChannel() });
    await h.settled(inServer);
    expect(inServer.transcript().join('\n')).toBe('The configured model `gpt-4o` is not available on this AI service. A server admin needs to choose another model.');
  });

  // Last: once told, the bot remembers the model as Responses-only until it restarts.
  test('a model the service serves only through the Responses API (ja)', async () => {
    h.openai.chat.responsesOnly.add('gpt-4o');
    expect(await dmAsk(h, 'ja')).toBe('`gpt-4o` は OpenAI の Responses API でしか使えず、このボットはその API を使わないため、ここでは回答できません。料金はかかっていません。DM で使うモデルはボットの運営者が決めている（DEFAULT_MODEL）ため、別のモデルを選べるのは運営者だけです。');
    expect(await dmAsk(h, 'en-US')).toBe('`gpt-4o` works only through OpenAI\'s Responses API, which this bot doesn\'t use, so it can\'t answer here. Nothing was charged. In direct messages the bot\'s host chooses the model (DEFAULT_MODEL), so only they can choose another.');
  });
});
