import { readFileSync } from 'node:fs';
import { GatewayIntentBits, PermissionFlagsBits, type APIMessage } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS, VIP_ROLE_ID } from '../support/botHarness.ts';

/**
 * Role limits for what members write (mentions, messages in the bot's threads, voice messages): the roles come from the
 * message's own `member`, as for a slash command from the interaction's. The bot keeps no other members in memory.
 */
const VOICE_OGG = new Uint8Array(readFileSync(new URL('../fixtures/audio/voice.ogg', import.meta.url)));
const IS_VOICE_MESSAGE = 1 << 13;
const ADMIN_PERMISSIONS = String(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel);
/** The role an admin gave a limit of $0: its members may not spend (the server default stays unlimited). */
const NO_AI_ROLE = VIP_ROLE_ID;

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env: { VOICE_TRANSCRIPTION: 'true', THREAD_CONVERSATIONS: 'true' }, discord: { privilegedIntents: GatewayIntentBits.MessageContent } });
  const set = h.command('budget', { role: NO_AI_ROLE, amount: '0', period: 'day' }, { subcommand: 'set-role', permissions: ADMIN_PERMISSIONS });
  await h.settled(set);
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const botReplies = (channelId: string) => h.botReplies(channelId);
async function waitForReply(channelId: string): Promise<APIMessage> {
  await h.repliedIn([channelId], 5_000);
  return botReplies(channelId).at(-1)!;
}
const charged = (userId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) AS n FROM ledger WHERE user_id = ?').get(userId) as { n: number };
let seq = 0;
const member = () => ({ id: `53000000000000${String(++seq).padStart(4, '0')}`, username: `limited${seq}` });

describe('a role limit applies to what members write, not only to slash commands', () => {
  test('a mention from a member of a $0 role is refused without asking the model', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    const author = member();
    h.openai.chat.enqueue({ text: 'should not be asked' });
    h.discord.sendMessage({ channelId, author, member: { roles: [NO_AI_ROLE] }, content: `<@${h.discord.botUser.id}> write me an essay` });
    const reply = await waitForReply(channelId);
    expect(reply.content).toMatch(/limit/i);
    expect(h.openai.chat.requests).toEqual([]);
    expect(charged(author.id).n).toBe(0);
  });

  test('a message in the bot\'s thread from a member of a $0 role is refused', async () => {
    const channelId = TEST_CHANNEL_IDS[1]!;
    h.openai.chat.enqueue({ text: 'Opened.' });
    const opened = h.command('ask', { prompt: 'open a thread', thread: true }, { channelId });
    await h.settled(opened);
    const threadId = opened.original()!.id;
    expect(h.bot.ctx.services.threads.isBotThread(threadId)).toBe(true);
    h.openai.reset();
    h.openai.chat.enqueue({ text: 'should not be asked' });
    const author = member();
    h.discord.sendMessage({ channelId: threadId, author, member: { roles: [NO_AI_ROLE] }, content: 'and another long essay please' });
    const reply = await waitForReply(threadId);
    expect(reply.content).toMatch(/limit/i);
    expect(h.openai.chat.requests).toEqual([]);
    expect(charged(author.id).n).toBe(0);
  });

  test('a voice message from a member of a $0 role is not transcribed', async () => {
    const channelId = TEST_CHANNEL_IDS[2]!;
    await h.settled(h.command('settings', { state: 'on' }, { subcommand: 'voice-transcription', channelId, permissions: ADMIN_PERMISSIONS }));
    h.openai.audio.enqueue({ text: 'should not be transcribed' });
    const author = member();
    h.discord.sendMessage({
      channelId, author, member: { roles: [NO_AI_ROLE] }, flags: IS_VOICE_MESSAGE,
      attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: VOICE_OGG, durationSecs: 1.5 }],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.settled();
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(charged(author.id).n).toBe(0);
  });

  test('two members writing at once each pay under their own roles', async () => {
    const [limitedChannel, freeChannel] = [TEST_CHANNEL_IDS[4]!, TEST_CHANNEL_IDS[5]!];
    const [limited, free] = [member(), member()];
    h.openai.chat.enqueue({ text: 'For the free member.' });
    h.discord.sendMessage({ channelId: limitedChannel, author: limited, member: { roles: [NO_AI_ROLE] }, content: `<@${h.discord.botUser.id}> first` });
    h.discord.sendMessage({ channelId: freeChannel, author: free, content: `<@${h.discord.botUser.id}> second` });
    expect((await waitForReply(limitedChannel)).content).toMatch(/limit/i);
    expect((await waitForReply(freeChannel)).content).toBe('For the free member.');
    expect(h.openai.chat.requests).toHaveLength(1);
    expect([charged(limited.id).n, charged(free.id).n]).toEqual([0, 1]);
  });

  test('a member of a $0 role replying (with a mention) to a message that mentions another member is refused', async () => {
    const channelId = TEST_CHANNEL_IDS[7]!;
    const [other, limited] = [member(), member()];
    const earlier = h.discord.sendMessage({ channelId, author: other, content: `hey <@${limited.id}>, ask the bot` });
    h.openai.chat.enqueue({ text: 'should not be asked' });
    h.discord.sendMessage({ channelId, author: limited, member: { roles: [NO_AI_ROLE] }, replyTo: earlier.id, content: `<@${h.discord.botUser.id}> fine, a long essay` });
    expect((await waitForReply(channelId)).content).toMatch(/limit/i);
    expect(h.openai.chat.requests).toEqual([]);
    expect(charged(limited.id).n).toBe(0);
  });

  test('a webhook\'s message mentioning the bot is not answered: it has no member whose limits could apply', async () => {
    const channelId = TEST_CHANNEL_IDS[6]!;
    h.openai.chat.enqueue({ text: 'should not be asked' });
    const hook = { id: '540000000000000001', username: 'Relay' };
    h.discord.sendMessage({ channelId, author: hook, webhookId: hook.id, content: `<@${h.discord.botUser.id}> answer me on someone else's bill` });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.settled();
    expect(botReplies(channelId)).toEqual([]);
    expect(h.openai.chat.requests).toEqual([]);
    expect(charged(hook.id).n).toBe(0);
  });

  test('a member without the role is answered as before (the limit is the role\'s, not the server\'s)', async () => {
    const channelId = TEST_CHANNEL_IDS[3]!;
    h.openai.chat.enqueue({ text: 'Here you go.' });
    const author = member();
    h.discord.sendMessage({ channelId, author, content: `<@${h.discord.botUser.id}> hello` });
    expect((await waitForReply(channelId)).content).toBe('Here you go.');
    expect(charged(author.id).n).toBe(1);
  });
});
