import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChannelType, GatewayIntentBits, PermissionFlagsBits, type APIMessage } from 'discord.js';
import { BotHarness, TEST_GUILD } from '../support/botHarness.ts';
import { DEFAULT_APPLICATION_ID, type FakeGuildSpec } from '../support/fakeDiscord.ts';

/**
 * A server the operator no longer allows (ALLOWED_GUILD_IDS changed, and Discord refused the bot's leave at start-up):
 * its forum posts and the messages in the bot's own threads there are not answered, not even with a refusal.
 */
const BOT_ID = DEFAULT_APPLICATION_ID;
const STRANGER: FakeGuildSpec = {
  id: '930000000000000001',
  name: "Stranger's Server",
  channels: [{ id: '930000000000000002', name: 'general' }, { id: '930000000000000003', name: 'help', type: ChannelType.GuildForum }],
};
const [STRANGER_CHANNEL, STRANGER_FORUM] = STRANGER.channels!.map((c) => c.id) as [string, string];
const ALLOWED_CHANNEL = TEST_GUILD.channels![1]!.id;
const MANAGE_GUILD = String(PermissionFlagsBits.ManageGuild);

// The harness reads its env at every (re)start: the allow-list is added before the restart below.
const env: Record<string, string> = { THREAD_CONVERSATIONS: 'true', DEV_GUILD_ID: '' };
let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env, discord: { privilegedIntents: GatewayIntentBits.MessageContent, guilds: [TEST_GUILD, STRANGER] } });
  // The first command after start-up is the slowest (code paths warming up): keep it out of the test's timing.
  await h.settled(h.command('ask', { prompt: 'warm up' }, { channelId: TEST_GUILD.channels![2]!.id }), 15_000);
}, 60_000);
afterAll(async () => { await h?.close(); });

const botReplies = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === BOT_ID && !m.webhook_id);
const paidCalls = (channelId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) AS n FROM ledger WHERE channel_id = ?').get(channelId) as { n: number };
const aiRequests = () => h.openai.requests.filter((r) => r.path !== '/v1/models');
const discordCallsIn = (channelId: string) => h.discord.requests.filter((r) => r.path.startsWith(`/channels/${channelId}/`));

async function botReplyIn(channelId: string, count: number): Promise<APIMessage> {
  const deadline = performance.now() + 15_000;
  while (!botReplies(channelId)[count - 1]) {
    if (performance.now() > deadline) throw new Error(`no reply from the bot in ${channelId}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await h.settled();
  return botReplies(channelId)[count - 1]!;
}

/** /ask thread:true: the thread's id is its starter message's, the answer. */
async function openBotThread(guildId: string, channelId: string): Promise<string> {
  const i = h.command('ask', { prompt: 'open a thread', thread: true }, { guildId, channelId });
  await h.settled(i, 15_000);
  expect(i.original(), `the answer that opens the thread: ${i.transcript().join(' | ')}`).toBeDefined();
  return i.original()!.id;
}

describe('a server that is not (or no longer) allowed', () => {
  test('its new forum posts and the messages in the bot\'s threads there are ignored: no reply, no typing, no AI request, no charge', async () => {
    // While every server may use the bot: a thread of the bot's and forum answers in the stranger's server, answered.
    h.openai.chat.enqueue({ text: 'Opened.' }, { text: 'Answered while allowed.' }, { text: 'A post answered while allowed.' }, { text: 'Opened here too.' });
    const strangerThread = await openBotThread(STRANGER.id, STRANGER_CHANNEL);
    h.discord.sendMessage({ channelId: strangerThread, content: 'a question while allowed' });
    expect((await botReplyIn(strangerThread, 1)).content).toBe('Answered while allowed.');
    const on = h.command('settings', { forum: STRANGER_FORUM, state: 'on' }, { guildId: STRANGER.id, channelId: STRANGER_CHANNEL, subcommand: 'forum-answers', permissions: MANAGE_GUILD });
    await h.settled(on);
    expect(on.transcript().join('\n')).toMatch(/^I now answer every new post in/);
    const earlier = h.discord.createForumPost({ forumId: STRANGER_FORUM, title: 'Hello?', content: 'A post while allowed.' });
    expect((await botReplyIn(earlier.thread.id, 1)).content).toBe('A post answered while allowed.');
    const allowedThread = await openBotThread(TEST_GUILD.id, ALLOWED_CHANNEL);

    // The operator allows only the test server; Discord fails the bot's attempts to leave the other one.
    env.ALLOWED_GUILD_IDS = TEST_GUILD.id;
    h.discord.injectRestFault({ match: (r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${STRANGER.id}`), status: 500, times: 20 });
    await h.restart();
    expect(h.logs().some((l) => l.guildId === STRANGER.id && String(l.msg).includes('could not leave'))).toBe(true);
    expect(h.bot.client.guilds.cache.has(STRANGER.id)).toBe(true);
    h.openai.reset();
    const before = { replies: botReplies(strangerThread).length, requests: discordCallsIn(strangerThread).length, paid: paidCalls(strangerThread).n };

    h.discord.sendMessage({ channelId: strangerThread, content: 'a question after the allow-list changed' });
    const post = h.discord.createForumPost({ forumId: STRANGER_FORUM, title: 'Is anyone here?', content: 'A question in a new post.' });
    // The same kind of message in the allowed server, sent last, is answered: by then the others were handled.
    h.openai.chat.enqueue({ text: 'Still answered here.' });
    h.discord.sendMessage({ channelId: allowedThread, content: 'a question in the allowed server' });
    expect((await botReplyIn(allowedThread, 1)).content).toBe('Still answered here.');

    expect(botReplies(strangerThread)).toHaveLength(before.replies);
    expect(botReplies(post.thread.id)).toEqual([]);
    expect(discordCallsIn(strangerThread)).toHaveLength(before.requests);
    expect(discordCallsIn(post.thread.id)).toEqual([]);
    expect(aiRequests().map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect(h.openai.chat.requests).toHaveLength(1);
    expect(paidCalls(strangerThread).n).toBe(before.paid);
    expect(paidCalls(post.thread.id).n).toBe(0);
    expect(paidCalls(allowedThread).n).toBe(1);
  }, 60_000);
});
