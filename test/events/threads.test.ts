import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ChannelType, GatewayIntentBits, MessageType, OverwriteType, PermissionFlagsBits, type APIMessage } from 'discord.js';
import { BotHarness, TEST_CHANNEL_IDS, TEST_GUILD } from '../support/botHarness.ts';
import { DEFAULT_APPLICATION_ID, DEFAULT_THREAD_ID, type FakeInteraction, type RecordedRequest } from '../support/fakeDiscord.ts';
import { THREAD_NAME_MAX_LENGTH } from '../../src/services/threads/threadName.ts';
import { craftPng } from '../support/craftedImages.ts';

const BOT_ID = DEFAULT_APPLICATION_ID;
const FORUM_ID = '220000000000000001';
const QUIET_FORUM_ID = '220000000000000002';
/** Channels where an admin took Create Public Threads away from the bot (one per language: the note is said once per channel). */
const NO_THREADS = { en: '220000000000000003', 'zh-TW': '220000000000000004' } as const;
const MANAGE_GUILD = String(PermissionFlagsBits.ManageGuild);
const EPHEMERAL = 64;

const denyThreads = [{ id: BOT_ID, type: OverwriteType.Member, deny: PermissionFlagsBits.CreatePublicThreads }];

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({
    env: { THREAD_CONVERSATIONS: 'true' },
    discord: {
      privilegedIntents: GatewayIntentBits.MessageContent,
      guilds: [{
        ...TEST_GUILD,
        channels: [
          ...TEST_GUILD.channels!,
          { id: FORUM_ID, name: 'help', type: ChannelType.GuildForum },
          { id: QUIET_FORUM_ID, name: 'ideas', type: ChannelType.GuildForum },
          { id: NO_THREADS.en, name: 'no-threads', permissionOverwrites: denyThreads },
          { id: NO_THREADS['zh-TW'], name: 'no-threads-zh', permissionOverwrites: denyThreads },
        ],
      }],
    },
  });
  // The first command after start-up is the slowest (code paths warming up): keep it out of the tests' timing.
  await h.settled(h.command('ask', { prompt: 'warm up' }, { channelId: TEST_CHANNEL_IDS[39]! }));
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

type Sent = { role: string; content: string }[];
const sentMessages = () => (h.openai.chat.lastRequest as { messages: Sent }).messages;
const botReplies = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === BOT_ID && !m.webhook_id);
const threadRequests = () => h.discord.requests.filter((r) => r.route === '/channels/:channel/messages/:message/threads');

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function botReplyIn(channelId: string, count = 1): Promise<APIMessage> {
  const reply = await waitFor('the bot\'s reply', () => botReplies(channelId)[count - 1]);
  await h.settled();
  return reply;
}

async function ask(channelId: string, prompt: string, options: Record<string, boolean> = {}, locale = 'en-US'): Promise<FakeInteraction> {
  const i = h.command('ask', { prompt, ...options }, { channelId, locale });
  await h.settled(i);
  return i;
}

async function settings(subcommand: string, options: Record<string, string>, channelId: string, locale = 'en-US'): Promise<string> {
  const i = h.command('settings', options, { subcommand, channelId, locale, permissions: MANAGE_GUILD });
  await h.settled(i);
  const data = i.callbacks[0]!.data as { content: string; flags: number };
  expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
  return data.content;
}

const ledgerRows = (channelId: string) => h.bot.ctx.db.prepare(
  'SELECT user_id AS userId, command, state, charged_micros AS charged, output_tokens AS outputTokens FROM ledger WHERE channel_id = ? ORDER BY id',
).all(channelId) as { userId: string; command: string; state: string; charged: number; outputTokens: number | null }[];

const botThread = (threadId: string) => h.bot.ctx.db.prepare('SELECT origin, parent_id AS parentId, opened_for AS openedFor FROM bot_threads WHERE thread_id = ?').get(threadId);

describe('/ask thread:true', () => {
  test('opens a public thread on the answer, named from the question; the thread is answered without a mention, from its own history', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    h.openai.chat.enqueue({ text: 'Hi Ann.' }, { text: 'A token is a piece of a word.' }, { text: 'About one token.' });
    await ask(channelId, 'My name is Ann.');
    const i = await ask(channelId, 'What is a **token**, <@123456789012345678>?', { thread: true });

    const [opened] = threadRequests();
    expect(opened!.path).toBe(`/channels/${channelId}/messages/${i.original()!.id}/threads`);
    expect(opened!.status).toBe(201);
    expect(opened!.body).toMatchObject({ name: 'What is a token, ?', auto_archive_duration: 1440 });
    const threadId = i.original()!.id; // Discord gives the thread its starter message's id
    expect(botThread(threadId)).toEqual({ origin: 'ask', parentId: channelId, openedFor: h.discord.defaultUser.id });

    h.discord.sendMessage({ channelId: threadId, content: 'How many tokens is "hello"?' });
    const reply = await botReplyIn(threadId);
    expect(reply.content).toBe('About one token.');
    const contents = sentMessages().map((m) => m.content);
    // The question and answer that opened the thread are its history; the channel's earlier talk is not.
    expect(contents).toContain('A token is a piece of a word.');
    expect(contents.some((c) => c.endsWith('What is a **token**, <@123456789012345678>?'))).toBe(true);
    expect(contents.some((c) => c.includes('Ann'))).toBe(false);
    expect(contents.at(-1)).toBe('Tester: How many tokens is "hello"?');
    // A message in the thread is a paid `mention` call of its author.
    expect(ledgerRows(threadId)).toEqual([expect.objectContaining({ userId: h.discord.defaultUser.id, command: 'mention', state: 'settled' })]);
    expect(ledgerRows(threadId)[0]!.charged).toBeGreaterThan(0);
  });

  test('a message with only an image in the bot\'s thread is a question too, answered without a mention', async () => {
    const channelId = TEST_CHANNEL_IDS[12]!;
    h.openai.chat.enqueue({ text: 'Opened.' }, { text: 'A small square.' });
    const i = await ask(channelId, 'look at this next', { thread: true });
    const threadId = i.original()!.id;
    h.discord.sendMessage({ channelId: threadId, content: '', attachments: [{ filename: 'square.png', data: craftPng(64, 64, 500) }] });
    const reply = await botReplyIn(threadId);
    expect(reply.content).toBe('A small square.');
    const last = sentMessages().at(-1) as unknown as { content: { type: string }[] };
    expect(last.content.map((part) => part.type)).toContain('image_url');
  });

  test('a long question makes a name within Discord\'s limit, cut at a word', async () => {
    const channelId = TEST_CHANNEL_IDS[1]!;
    h.openai.chat.enqueue({ text: 'Sure.' });
    const question = 'Please explain step by step how the billing of streamed answers works when the connection drops halfway and the model keeps going';
    await ask(channelId, question, { thread: true });
    const name = (threadRequests().at(-1)!.body as { name: string }).name;
    expect(name.length).toBeLessThanOrEqual(THREAD_NAME_MAX_LENGTH);
    expect(name.endsWith('…')).toBe(true);
    expect(question.startsWith(name.slice(0, -1))).toBe(true);
  });

  test('bots, webhooks and system messages in the bot\'s thread are ignored; a message in a thread it did not open needs a mention', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    h.openai.chat.enqueue({ text: 'Opened.' });
    const i = await ask(channelId, 'open a thread', { thread: true });
    const threadId = i.original()!.id;
    h.openai.reset();
    h.discord.sendMessage({ channelId: threadId, content: 'beep', author: { username: 'otherbot', bot: true } });
    h.discord.sendMessage({ channelId: threadId, content: 'pinned a message', type: MessageType.ChannelPinnedMessage });
    h.discord.sendMessage({ channelId: threadId, content: 'from a webhook', author: { username: 'Release notes' }, webhookId: '500000000000000001' });
    h.discord.sendMessage({ channelId: DEFAULT_THREAD_ID, content: 'chatting in a thread the bot did not open' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.settled();
    expect(h.openai.chat.requests).toEqual([]);
    expect(botReplies(DEFAULT_THREAD_ID)).toEqual([]);

    h.openai.chat.enqueue({ text: 'You called?' });
    h.discord.sendMessage({ channelId: DEFAULT_THREAD_ID, content: `<@${BOT_ID}> now with a mention` });
    expect((await botReplyIn(DEFAULT_THREAD_ID)).content).toBe('You called?');
    expect(botThread(DEFAULT_THREAD_ID)).toBeUndefined();
  });

  test('thread:true in a thread or with private:true answers in place; private says why, only to the asker', async () => {
    h.openai.chat.enqueue({ text: 'In the thread.' }, { text: 'Privately.' });
    await ask(DEFAULT_THREAD_ID, 'hello', { thread: true });
    const i = await ask(TEST_CHANNEL_IDS[3]!, 'hello', { thread: true, private: true });
    expect(threadRequests().filter((r) => r.path.includes(TEST_CHANNEL_IDS[3]!) || r.path.includes(DEFAULT_THREAD_ID))).toEqual([]);
    expect(i.followUps.map((m) => [m.content, (m.flags ?? 0) & EPHEMERAL])).toEqual([[expect.stringMatching(/^Threads can't be opened here/), EPHEMERAL]]);
  });
});

describe('/settings auto-thread', () => {
  test.each([
    ['en-US', TEST_CHANNEL_IDS[4]!, /^Every answer in this channel now opens a thread/, /^Answers in this channel no longer open threads\.$/],
    ['zh-TW', TEST_CHANNEL_IDS[5]!, /^這個頻道的每個回答現在都會開一個討論串/, /^這個頻道的回答不再開討論串。$/],
  ])('(%s) every answer opens a thread: /ask and mentions; thread:false opts out; off stops it', async (locale, channelId, onText, offText) => {
    expect(await settings('auto-thread', { state: 'on' }, channelId, locale)).toMatch(onText);
    h.openai.chat.enqueue({ text: 'By ask.' }, { text: 'By mention.' }, { text: 'No thread.' }, { text: 'Off.' });
    const i = await ask(channelId, 'first question');
    expect(botThread(i.original()!.id)).toEqual(expect.objectContaining({ origin: 'auto', parentId: channelId }));

    h.discord.sendMessage({ channelId, content: `<@${BOT_ID}> second question` });
    const reply = await botReplyIn(channelId);
    await waitFor('the thread on the mention reply', () => threadRequests().find((r) => r.path === `/channels/${channelId}/messages/${reply.id}/threads`));
    await h.settled();
    expect(botThread(reply.id)).toEqual(expect.objectContaining({ origin: 'auto' }));

    const before = threadRequests().length;
    await ask(channelId, 'third question', { thread: false });
    expect(await settings('auto-thread', { state: 'off' }, channelId, locale)).toMatch(offText);
    await ask(channelId, 'fourth question');
    expect(threadRequests().length).toBe(before);
  });

  test('is refused in a thread, and warns when the bot lacks the thread permissions there', async () => {
    expect(await settings('auto-thread', { state: 'on' }, DEFAULT_THREAD_ID)).toMatch(/^Threads open only in text and announcement channels/);
    const warned = await settings('auto-thread', { state: 'on' }, NO_THREADS.en);
    expect(warned).toContain('I lack **Create Public Threads** in <#');
    await settings('auto-thread', { state: 'off' }, NO_THREADS.en);
  });
});

describe('missing thread permissions', () => {
  test.each([
    ['en-US', NO_THREADS.en, 'I answered here rather than in a thread: I need the **Create Public Threads** and **Send Messages in Threads** permissions in this channel. (I say this once.)'],
    ['zh-TW', NO_THREADS['zh-TW'], '我在這裡回答，沒有開討論串：我需要這個頻道的「建立公開討論串」和「在討論串中傳送訊息」權限。（這則提醒只說一次。）'],
  ])('(%s) the answer stays in the channel, with one note for the channel; no thread is attempted', async (locale, channelId, note) => {
    h.openai.chat.enqueue({ text: 'Answer one.' }, { text: 'Answer two.' });
    const first = await ask(channelId, 'question one', { thread: true }, locale);
    const second = await ask(channelId, 'question two', { thread: true }, locale);
    expect(first.original()!.content).toBe('Answer one.');
    expect(second.original()!.content).toBe('Answer two.');
    expect(first.followUps.map((m) => [m.content, (m.flags ?? 0) & EPHEMERAL])).toEqual([[note, 0]]);
    expect(second.followUps).toEqual([]);
    expect(threadRequests().filter((r) => r.path.startsWith(`/channels/${channelId}/`))).toEqual([]);
  });
});

test('the note comes again after the permissions came back and went again; a mention in an auto-thread channel gets it too', async () => {
  const channelId = TEST_CHANNEL_IDS[11]!;
  const note = /^I answered here rather than in a thread/;
  const notes = () => h.discord.channelMessages(channelId).filter((m) => note.test(m.content));
  h.openai.chat.enqueue({ text: 'One.' }, { text: 'Two.' }, { text: 'Three.' });
  await settings('auto-thread', { state: 'on' }, channelId);
  h.discord.setChannelOverwrites(channelId, denyThreads);
  h.discord.sendMessage({ channelId, content: `<@${BOT_ID}> first` });
  await waitFor('the note', () => notes()[0]);
  await h.settled();
  expect(notes()[0]!.author.id).toBe(BOT_ID);

  h.discord.setChannelOverwrites(channelId, []);
  await new Promise((resolve) => setTimeout(resolve, 100)); // CHANNEL_UPDATE reaches the cache
  const opened = await ask(channelId, 'second');
  expect(botThread(opened.original()!.id)).toEqual(expect.objectContaining({ origin: 'auto' }));

  h.discord.setChannelOverwrites(channelId, denyThreads);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await ask(channelId, 'third');
  expect(notes().length).toBe(2);
});

describe('forum posts', () => {
  test('in a forum with answers on, a new post is answered in its thread from its title and text; later messages there too', async () => {
    expect(await settings('forum-answers', { forum: FORUM_ID, state: 'on' }, TEST_CHANNEL_IDS[6]!)).toMatch(/^I now answer every new post in <#220000000000000001>/);
    expect(await settings('forum-answers', { forum: FORUM_ID, state: 'on' }, TEST_CHANNEL_IDS[6]!, 'zh-TW')).toMatch(/^我現在會回答 <#220000000000000001> 的每篇新貼文/);
    // Slash commands can't be run in a forum, so /settings show anywhere in the server lists the forums answered.
    expect(await settings('show', {}, TEST_CHANNEL_IDS[6]!)).toContain(`Forums whose new posts I answer: <#${FORUM_ID}>`);
    h.openai.chat.enqueue({ text: 'Use the reset link.' }, { text: 'Check your spam folder.' });
    const { thread, message } = h.discord.createForumPost({ forumId: FORUM_ID, title: 'How do I reset my password?', content: 'I forgot it yesterday.' });
    const reply = await botReplyIn(thread.id);
    expect(reply.content).toBe('Use the reset link.');
    expect(reply.message_reference?.message_id).toBe(message.id);
    expect(sentMessages().at(-1)!.content).toBe('Tester: How do I reset my password?\n\nI forgot it yesterday.');
    expect(botThread(thread.id)).toEqual(expect.objectContaining({ origin: 'forum', parentId: FORUM_ID }));

    h.discord.sendMessage({ channelId: thread.id, content: 'The mail never came.' });
    expect((await botReplyIn(thread.id, 2)).content).toBe('Check your spam folder.');
    expect(sentMessages().map((m) => m.content)).toContain('Use the reset link.');
  });

  test('in a forum where nobody turned it on, posts are left alone', async () => {
    h.discord.createForumPost({ forumId: QUIET_FORUM_ID, title: 'An idea', content: 'What if…' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.settled();
    expect(h.openai.chat.requests).toEqual([]);
  });

  test('forum-answers takes only forum channels', async () => {
    expect(await settings('forum-answers', { forum: TEST_CHANNEL_IDS[7]!, state: 'on' }, TEST_CHANNEL_IDS[7]!)).toBe(`<#${TEST_CHANNEL_IDS[7]!}> is not a forum or media channel.`);
  });
});

describe('a bot thread archived, locked or deleted mid-answer', () => {
  const words = Array.from({ length: 12 }, (_, n) => `Paragraph ${n} talks about tokens, prices, limits and streams in some detail.\n`);

  // A deleted thread: discord.js learns it from THREAD_DELETE and refuses the edit itself (no request), unless the edit left first.
  test.each([
    ['deleted', (id: string) => h.discord.deleteThread(id), 404, 10003],
    ['archived', (id: string) => h.discord.setThreadState(id, { archived: true }), 400, 50083],
    ['locked', (id: string) => h.discord.setThreadState(id, { locked: true }), 400, 160005],
  ])('%s: the answer ends quietly at the refused call, is not retried, and is charged what was billed', async (_case, cut, status, code) => {
    const channelId = TEST_CHANNEL_IDS[8 + ['deleted', 'archived', 'locked'].indexOf(_case)]!;
    h.openai.chat.enqueue({ text: 'Opened.' });
    const threadId = (await ask(channelId, 'open a thread', { thread: true })).original()!.id;
    h.openai.chat.enqueue({ text: words.join(''), chunks: words, chunkDelayMs: 300 });
    h.discord.sendMessage({ channelId: threadId, content: 'tell me everything' });
    await waitFor('the first part of the answer', () => botReplies(threadId)[0]);
    cut(threadId);
    const cutAt = performance.now();
    await h.settled(undefined, 15_000);

    const after = h.discord.requests.filter((r: RecordedRequest) => r.at > cutAt && r.path.startsWith(`/channels/${threadId}/`));
    const refused = after.map((r) => [r.status, (r.response as { code?: number } | undefined)?.code]);
    if (_case === 'deleted') expect(refused.length).toBeLessThanOrEqual(1);
    else expect(refused.length).toBe(1);
    for (const call of refused) expect(call).toEqual([status, code]);
    const logs = h.logs().filter((l) => Number(l.time) >= Date.now() - (performance.now() - cutAt));
    expect(logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(logs.some((l) => l.msg === 'Discord refused the reply for good; nothing more is sent for this answer')).toBe(true);
    const [call] = ledgerRows(threadId);
    expect(call).toEqual(expect.objectContaining({ command: 'mention', state: 'settled' }));
    expect(call!.charged).toBeGreaterThan(0);
    // The model call was ended there: fewer tokens were billed than the whole answer has.
    expect(call!.outputTokens).toBeLessThan(h.bot.ctx.services.tokens.countMessage(words.join('')).tokens);
    expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(threadId)).toBe(2); // only the opening exchange
  });
});
