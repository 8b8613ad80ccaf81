import { afterAll, beforeAll, expect, test } from 'vitest';
import { GatewayIntentBits, PermissionFlagsBits } from 'discord.js';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_APPLICATION_ID } from '../support/fakeDiscord.ts';

/** THREAD_CONVERSATIONS=true, but the application was never granted the Message Content intent. */
let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { THREAD_CONVERSATIONS: 'true' } }); });
afterAll(async () => { await h?.close(); });

const botReplies = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === DEFAULT_APPLICATION_ID && !m.webhook_id);

test('Discord refuses the intent: the bot says so at start-up and runs without it', () => {
  expect(h.discord.identify!.intents & GatewayIntentBits.MessageContent).toBe(0);
  expect(h.logs().some((l) => String(l.msg).startsWith('Discord refused the Message Content intent (THREAD_CONVERSATIONS=true'))).toBe(true);
  expect(h.bot.ctx.services.threads.conversations).toBe('intent-refused');
});

test.each([
  ['en-US', TEST_CHANNEL_IDS[0]!, /\n⚠️ Messages without a mention are not read: Discord refused the Message Content intent\./],
  ['zh-TW', TEST_CHANNEL_IDS[1]!, /\n⚠️ 無法讀取沒有提及我的訊息：Discord 拒絕了 Message Content 意圖。/],
])('(%s) /settings auto-thread on says that messages without a mention are not read', async (locale, channelId, warning) => {
  const i = h.command('settings', { state: 'on' }, { subcommand: 'auto-thread', channelId, locale, permissions: String(PermissionFlagsBits.ManageGuild) });
  await h.settled(i);
  expect((i.callbacks[0]!.data as { content: string }).content).toMatch(warning);
});

test('threads still open; in them a message is answered only when it mentions the bot', async () => {
  h.openai.chat.enqueue({ text: 'Opened.' }, { text: 'Mentioned.' });
  const i = h.command('ask', { prompt: 'open one', thread: true }, { channelId: TEST_CHANNEL_IDS[2]! });
  await h.settled(i);
  const threadId = i.original()!.id;
  expect(h.bot.ctx.services.threads.isBotThread(threadId)).toBe(true);
  h.discord.sendMessage({ channelId: threadId, content: 'no mention here' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await h.settled();
  expect(botReplies(threadId)).toEqual([]);
  h.discord.sendMessage({ channelId: threadId, content: `<@${DEFAULT_APPLICATION_ID}> and now?` });
  const deadline = performance.now() + 10_000;
  while (botReplies(threadId).length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await h.settled();
  expect(botReplies(threadId).map((m) => m.content)).toEqual(['Mentioned.']);
  expect(h.openai.chat.requests.length).toBe(2);
});
