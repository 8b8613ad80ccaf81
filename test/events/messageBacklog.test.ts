/**
 * A message's author (their roles decide their role limits) is read from its gateway packet and held until discord.js
 * handles it, at most MAX_HELD_AUTHORS (1,000). Past that, while discord.js queues packets before READY, the oldest
 * authors are let go: such a message addressed to the bot fetches its author from Discord and gets the outcome it would
 * have had (here: the refusal of a $0 role), with one warning for the operator; it used to go unanswered, unlogged.
 */
import { OverwriteType, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS, VIP_ROLE_ID } from '../support/botHarness.ts';

const ADMIN_PERMISSIONS = String(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel);
/** One more than the authors held: the first message's author is let go. */
const BACKLOG = 1_000;
const [MENTION_CHANNEL, CHATTER_CHANNEL, MUTED_CHANNEL] = [TEST_CHANNEL_IDS[0]!, TEST_CHANNEL_IDS[1]!, TEST_CHANNEL_IDS[2]!];
const author = { id: '531000000000000001', username: 'backlogged' };

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start();
  await h.settled(h.command('budget', { role: VIP_ROLE_ID, amount: '0', period: 'day' }, { subcommand: 'set-role', permissions: ADMIN_PERMISSIONS }));
}, 60_000);
afterAll(async () => { await h?.close(); });

test('a mention whose author was let go in a backlog before READY gets its role\'s refusal, and the operator one warning', async () => {
  h.discord.gateway.beforeGuildCreate = () => {
    h.discord.sendMessage({ channelId: MENTION_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `<@${h.discord.botUser.id}> write me an essay` });
    for (let n = 0; n < BACKLOG; n++) h.discord.sendMessage({ channelId: CHATTER_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `chatter ${n}` });
  };
  h.openai.reset();
  h.openai.chat.enqueue({ text: 'should not be asked' });
  await h.restart();
  await h.repliedIn([MENTION_CHANNEL]);
  expect(h.botReplies(MENTION_CHANNEL).at(-1)!.content).toMatch(/limit/i);
  expect(h.openai.chat.requests).toEqual([]);
  // The one author let go is fetched; the chatter, which the bot ignores, costs no request.
  expect(h.discord.requests.filter((r) => r.method === 'GET' && r.path.includes('/members/'))).toHaveLength(1);
  const warnings = h.logs().filter((l) => l.level === 40 && String(l.msg).includes('authors were let go'));
  expect(warnings).toEqual([expect.objectContaining({ messages: 1, held: 1_000 })]);
});

test('a mention whose author was let go, in a channel where the bot may not reply, is ignored without fetching its author', async () => {
  h.discord.setChannelOverwrites(MUTED_CHANNEL, [{ id: h.discord.botUser.id, type: OverwriteType.Member, deny: PermissionFlagsBits.SendMessages }]);
  h.discord.gateway.beforeGuildCreate = () => {
    h.discord.sendMessage({ channelId: MUTED_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `<@${h.discord.botUser.id}> are you there?` });
    for (let n = 0; n < BACKLOG; n++) h.discord.sendMessage({ channelId: CHATTER_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `chatter ${n}` });
  };
  const requestsBefore = h.discord.requests.length;
  const logsBefore = h.logs().length;
  await h.restart();
  await h.settled();
  // The mention was handled (found unanswerable there), and no request was spent on an author it could never be answered for.
  expect(h.logs().slice(logsBefore).filter((l) => String(l.msg).includes('may not reply in this channel'))).toEqual([expect.objectContaining({ channelId: MUTED_CHANNEL })]);
  expect(h.discord.requests.slice(requestsBefore).filter((r) => r.method === 'GET' && r.path.includes('/members/'))).toEqual([]);
  expect(h.botReplies(MUTED_CHANNEL)).toEqual([]);
});

test('a mention whose author was let go and can\'t be fetched (Discord failing) is told to try again, and nothing is asked or charged', async () => {
  h.discord.injectRestFault({ match: (r) => r.method === 'GET' && r.path.includes('/members/'), status: 503, times: 20 });
  h.discord.gateway.beforeGuildCreate = () => {
    h.discord.sendMessage({ channelId: MENTION_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `<@${h.discord.botUser.id}> one more try` });
    for (let n = 0; n < BACKLOG; n++) h.discord.sendMessage({ channelId: CHATTER_CHANNEL, author, member: { roles: [VIP_ROLE_ID] }, content: `chatter ${n}` });
  };
  h.openai.reset();
  const repliesBefore = h.botReplies(MENTION_CHANNEL).length;
  await h.restart();
  await h.settled();
  expect(h.botReplies(MENTION_CHANNEL).slice(repliesBefore).map((m) => m.content)).toEqual([
    "I couldn't check your roles on this server just now, and they decide your spending limit, so I didn't answer. Please try again in a moment.",
  ]);
  expect(h.openai.chat.requests).toEqual([]);
  expect(h.bot.ctx.db.prepare("SELECT COUNT(*) FROM ledger WHERE command = 'mention' AND state != 'released'").pluck().get()).toBe(0);
});
