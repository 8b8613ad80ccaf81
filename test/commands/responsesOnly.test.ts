import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { APIMessage } from 'discord.js';
import { BotHarness, GLOBAL_COMMANDS, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_MODELS } from '../support/fakeOpenAI.ts';
import { DEFAULT_GUILD_ID } from '../support/fakeDiscordState.ts';
import { craftPng } from '../support/craftedImages.ts';

/**
 * Models OpenAI serves only through /v1/responses, asked through the bot, which speaks only Chat Completions. The fake
 * answers them as OpenAI does (404 "This model is only supported in v1/responses…"). It is a compatible server on
 * loopback, where the bot presumes nothing from OpenAI's list: each path meets the 404 itself, then the bot remembers.
 * The tests run in order: what one taught the bot, the next relies on.
 */
const MANAGE_GUILD = String(1n << 5n);
/** A name no list knows: only the server's answer can teach it. */
const NEW_AGENT = 'gpt-9-agent';

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({
    env: { ...GLOBAL_COMMANDS, DEFAULT_MODEL: 'o3-pro', VISION_MODEL: 'o1-pro' },
    openai: { models: [...DEFAULT_MODELS, 'o3-pro', 'gpt-5-pro', 'gpt-5-codex', 'o1-pro', NEW_AGENT] },
  });
  h.openai.chat.responsesOnly.add(NEW_AGENT);
});
afterAll(async () => { await h?.close(); });

type LedgerRow = { state: string; charged: number };
const ledgerRows = (channelId: string) => h.bot.ctx.db.prepare('SELECT state, charged_micros AS charged FROM ledger WHERE channel_id = ?').all(channelId) as LedgerRow[];
const chatRequests = () => h.openai.requestsTo('/v1/chat/completions').length;
const scope = (channelId: string) => ({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null });
const setModel = (channelId: string, model: string) => h.bot.ctx.services.settings.updateChannel(scope(channelId), { model }, '100000000000000001');
const learnedLogs = () => h.logs().filter((line) => String(line.msg).startsWith('the AI service answered that this model is served only through OpenAI\'s Responses API'));

async function mentionReply(channelId: string, content: string): Promise<APIMessage> {
  h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> ${content}` });
  await h.repliedIn([channelId]);
  return h.discord.channelMessages(channelId).find((m) => m.author.id === h.discord.botUser.id && !m.webhook_id)!;
}

describe('a model served only through the Responses API', () => {
  test('/ask with it as DEFAULT_MODEL: sent once, never repeated; the member reads why and what to do; nothing charged', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    const before = chatRequests();
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId, locale: 'en-US' });
    await h.settled(ia);
    const reply = ia.transcript().join('\n');
    expect(reply).toBe("`o3-pro` works only through OpenAI's Responses API, which this bot doesn't use, so it can't answer here. Nothing was charged. A server admin can choose another model with `/settings model`.");
    // OPENAI_MAX_RETRIES is 2 here: a 404 that says the model can't chat is not asked again.
    expect(chatRequests() - before).toBe(1);
    expect(ledgerRows(channelId)).toEqual([{ state: 'released', charged: 0 }]);
    expect(learnedLogs()).toMatchObject([{ model: 'o3-pro', command: 'ask', level: 40 }]);
  });

  test('/ask again, in another language: refused before anything is reserved or sent', async () => {
    const channelId = TEST_CHANNEL_IDS[1]!;
    const before = chatRequests();
    const ia = h.command('ask', { prompt: '你好？' }, { channelId, locale: 'zh-TW' });
    await h.settled(ia);
    expect(ia.transcript().join('\n')).toBe('`o3-pro` 只能透過 OpenAI 的 Responses API 使用，而這個機器人不使用這個 API，所以無法在這裡回答。這次沒有收費。伺服器管理員可以用 `/settings model` 改選其他模型。');
    expect(chatRequests()).toBe(before);
    expect(ledgerRows(channelId)).toEqual([]);
  });

  test('a mention, in Japanese, in a channel set to another such model: told in Japanese, nothing charged, then not asked again', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    setModel(channelId, 'gpt-5-codex');
    const before = chatRequests();
    const reply = await mentionReply(channelId, 'これは何ですか？');
    expect(reply.content).toBe('`gpt-5-codex` は OpenAI の Responses API でしか使えず、このボットはその API を使わないため、ここでは回答できません。料金はかかっていません。サーバー管理者が `/settings model` で別のモデルを選べます。');
    expect(chatRequests() - before).toBe(1);
    expect(ledgerRows(channelId)).toEqual([{ state: 'released', charged: 0 }]);

    const again = TEST_CHANNEL_IDS[3]!;
    setModel(again, 'gpt-5-codex');
    expect((await mentionReply(again, 'もう一度お願いします')).content).toContain('`gpt-5-codex` は OpenAI の Responses API でしか使えず');
    expect(chatRequests() - before).toBe(1);
  });

  test('/translate in a channel set to one: a private reply in the member\'s language, nothing charged, not repeated', async () => {
    const channelId = TEST_CHANNEL_IDS[4]!;
    setModel(channelId, 'gpt-5-pro');
    const before = chatRequests();
    const i = h.command('translate', { text: 'Good morning', to: 'ja' }, { channelId, locale: 'zh-CN' });
    await h.settled(i);
    expect(i.transcript().join('\n')).toBe('`gpt-5-pro` 只能通过 OpenAI 的 Responses API 使用，而这个机器人不使用这个 API，所以无法在这里回答。这次没有收费。服务器管理员可以用 `/settings model` 改选其他模型。');
    // The public "thinking…" is replaced by a private follow-up.
    expect(i.transcript()).toHaveLength(1);
    expect((i.followUps[0]?.flags ?? 0) & 64).toBe(64);
    expect(chatRequests() - before).toBe(1);
    expect(ledgerRows(channelId)).toEqual([{ state: 'released', charged: 0 }]);
  });

  test('in a DM (no server, no /settings: the model is DEFAULT_MODEL), /ask and /translate say the bot\'s host must choose', async () => {
    // No guild id (and so no guild channel): a DM.
    const before = chatRequests();
    const asked = h.discord.sendInteraction({ commandName: 'ask', options: { prompt: 'Hello?' }, locale: 'en-US' });
    await h.settled(asked);
    expect(asked.transcript().join('\n')).toBe("`o3-pro` works only through OpenAI's Responses API, which this bot doesn't use, so it can't answer here. Nothing was charged. In direct messages the bot's host chooses the model (DEFAULT_MODEL), so only they can choose another.");
    const translated = h.discord.sendInteraction({ commandName: 'translate', options: { text: 'Good morning', to: 'ja' }, locale: 'ja' });
    await h.settled(translated);
    expect(translated.transcript().join('\n')).toBe("`o3-pro` は OpenAI の Responses API でしか使えず、このボットはその API を使わないため、ここでは回答できません。料金はかかっていません。DM で使うモデルはボットの運営者が決めている（DEFAULT_MODEL）ため、別のモデルを選べるのは運営者だけです。");
    // Learned by the first test: neither is sent.
    expect(chatRequests()).toBe(before);
  });

  test('/settings model refuses a model the service said is Responses-only, with the same reason; the setting is unchanged', async () => {
    const channelId = TEST_CHANNEL_IDS[5]!;
    const refused = h.command('settings', { name: 'o3-pro' }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD, locale: 'en-US' });
    await h.settled(refused);
    expect(refused.transcript().join('\n')).toBe("`o3-pro` was not set: it works only through OpenAI's Responses API, which this bot doesn't use, so it couldn't answer here. Please choose another model.");
    expect(h.bot.ctx.services.settings.forChannel(scope(channelId)).model).toEqual({ value: 'o3-pro', source: 'config' });
  });

  test('a name no list knows is learned from the service\'s answer: accepted at first, refused by /settings model once OpenAI said so', async () => {
    const first = TEST_CHANNEL_IDS[6]!;
    const set = h.command('settings', { name: NEW_AGENT }, { subcommand: 'model', channelId: first, permissions: MANAGE_GUILD });
    await h.settled(set);
    // Unpriced on this server of the operator's own network: set, with the price note.
    expect(set.transcript().join('\n')).toMatch(new RegExp(`^This channel now uses \`${NEW_AGENT}\`\\.\n`));
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId: first });
    await h.settled(ia);
    expect(ia.transcript().join('\n')).toContain(`\`${NEW_AGENT}\` works only through OpenAI's Responses API`);

    const second = TEST_CHANNEL_IDS[7]!;
    const refused = h.command('settings', { name: NEW_AGENT }, { subcommand: 'model', channelId: second, permissions: MANAGE_GUILD, locale: 'ja' });
    await h.settled(refused);
    expect(refused.transcript().join('\n')).toBe(`\`${NEW_AGENT}\` は設定しませんでした。OpenAI の Responses API でしか使えないモデルで、このボットはその API を使わないため、ここでは回答できません。別のモデルを選んでください。`);
    expect(h.bot.ctx.services.settings.forChannel(scope(second)).model.source).toBe('config');
    // Each model was sent once in all: o3-pro, gpt-5-codex, gpt-5-pro and this one.
    expect(h.openai.chat.requests.map((r) => r.model)).toEqual(['o3-pro', 'gpt-5-codex', 'gpt-5-pro', NEW_AGENT]);
  });

  test('an image question handed to such a VISION_MODEL: the host must choose another; the next is refused before any download', async () => {
    const ask = (channelId: string, filename: string) => h.command('ask', { prompt: 'What is this?', image: { filename, data: craftPng(640, 480, 3000) } }, { channelId });
    const downloaded = (filename: string) => h.discord.requests.some((r) => r.method === 'GET' && r.path.includes(filename));
    // Channels whose model can't see, so VISION_MODEL (which only the operator sets) answers.
    const [first, second] = [TEST_CHANNEL_IDS[9]!, TEST_CHANNEL_IDS[10]!];
    for (const channelId of [first, second]) setModel(channelId, 'gpt-3.5-turbo');
    const before = chatRequests();
    const i = ask(first, 'one.png');
    await h.settled(i);
    const reply = i.transcript().join('\n');
    expect(reply).toBe("`o1-pro` works only through OpenAI's Responses API, which this bot doesn't use, so it can't answer here. Nothing was charged. The bot's host needs to choose another model.");
    expect(chatRequests() - before).toBe(1);
    expect(downloaded('one.png')).toBe(true);
    expect(ledgerRows(first)).toEqual([{ state: 'released', charged: 0 }]);

    const again = ask(second, 'two.png');
    await h.settled(again);
    expect(again.transcript().join('\n')).toBe(reply);
    expect(chatRequests() - before).toBe(1);
    expect(downloaded('two.png')).toBe(false);
    expect(ledgerRows(second)).toEqual([]);
  });

  test('/settings model no longer suggests the models the service said are Responses-only (on this server it knows no others)', async () => {
    const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'settings', guildId: DEFAULT_GUILD_ID, subcommand: 'model', focused: 'name', options: { name: 'pro' } });
    await i.callback();
    const suggested = (i.callbacks[0]!.data as { choices: { value: string }[] }).choices.map((c) => c.value);
    expect(suggested).toContain('gpt-5.2-pro');
    for (const learned of ['o3-pro', 'gpt-5-pro', 'o1-pro']) expect(suggested).not.toContain(learned);
  });

  test('a chat model in the same bot still answers and is charged', async () => {
    const channelId = TEST_CHANNEL_IDS[8]!;
    setModel(channelId, 'gpt-4o-mini');
    h.openai.chat.enqueue({ text: 'Hi there.' });
    const ia = h.command('ask', { prompt: 'Hello?' }, { channelId });
    await h.settled(ia);
    expect(ia.transcript()).toEqual(['Hi there.']);
    expect(ledgerRows(channelId)).toMatchObject([{ state: 'settled' }]);
    expect(ledgerRows(channelId)[0]!.charged).toBeGreaterThan(0);
  });

  test('a 500 whose body only quotes the sentence (a proxy echoing an upstream error) is a server error: the model is not learned, the next question is sent', async () => {
    const channelId = TEST_CHANNEL_IDS[11]!;
    setModel(channelId, 'gpt-4o-mini');
    const body = '{"error": {"message": "This model is only supported in v1/responses and not in v1/chat/completions.", "type": "invalid_request_error", "param": "model", "code": null}}';
    // OPENAI_MAX_RETRIES is 2: the SDK asks three times in all.
    h.openai.chat.enqueue({ rawError: { status: 500, body }, times: 3 });
    const before = chatRequests();
    const first = h.command('ask', { prompt: 'Hello?' }, { channelId });
    await h.settled(first);
    expect(first.transcript().join('\n')).toBe('The AI service had an internal error. Please try again in a moment.');
    expect(chatRequests() - before).toBe(3);
    expect(h.bot.ctx.services.responsesOnly.has('gpt-4o-mini')).toBe(false);
    expect(learnedLogs().filter((line) => line.model === 'gpt-4o-mini')).toEqual([]);

    h.openai.chat.enqueue({ text: 'Here now.' });
    const second = h.command('ask', { prompt: 'Hello again?' }, { channelId });
    await h.settled(second);
    expect(second.transcript()).toEqual(['Here now.']);
    expect(chatRequests() - before).toBe(4);
  });
});
