import { readFileSync } from 'node:fs';
import { GatewayIntentBits, OverwriteType, PermissionFlagsBits, type GuildChannel } from 'discord.js';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { craftOggOpus } from '../support/craftedAudio.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID } from '../support/fakeDiscord.ts';

const VOICE_OGG = new Uint8Array(readFileSync(new URL('../fixtures/audio/voice.ogg', import.meta.url)));
const IS_VOICE_MESSAGE = 1 << 13;
const MANAGE_GUILD = String(1n << 5n);

const voiceMessage = (channelId: string, author: { id: string; username: string }) => h.discord.sendMessage({
  channelId, author, flags: IS_VOICE_MESSAGE,
  attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: VOICE_OGG, durationSecs: 1.5 }],
});
const botReplies = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.botUser.id && !m.webhook_id);

async function waitForReply(channelId: string): Promise<APIMessage> {
  const deadline = performance.now() + 5000;
  while (botReplies(channelId).length === 0) {
    if (performance.now() > deadline) throw new Error('no reply from the bot');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await h.settled();
  return botReplies(channelId)[0]!;
}

/** Gives the bot time to (wrongly) react, then checks it did nothing. */
async function expectNoReply(channelId: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  await h.settled();
  expect(botReplies(channelId)).toEqual([]);
  expect(h.openai.audio.requests).toHaveLength(0);
}

async function setVoice(channelId: string, state: 'on' | 'off') {
  await h.settled(h.command('settings', { state }, { subcommand: 'voice-transcription', channelId, permissions: MANAGE_GUILD }));
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env: { VOICE_TRANSCRIPTION: 'true' }, discord: { privilegedIntents: GatewayIntentBits.MessageContent } });
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

describe('automatic transcription of voice messages', () => {
  test('asks Discord for the Message Content intent when VOICE_TRANSCRIPTION is on', () => {
    expect(h.discord.identify!.intents & GatewayIntentBits.MessageContent).toBe(GatewayIntentBits.MessageContent);
  });

  test('in an enabled channel: a reply with the transcript, charged to the speaker, pinging nobody', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    await setVoice(channelId, 'on');
    h.openai.audio.enqueue({ text: 'Running ten minutes late, start without me.' });
    const speaker = { id: '520000000000000001', username: 'speaker' };
    const voice = voiceMessage(channelId, speaker);
    const reply = await waitForReply(channelId);
    expect(reply.content).toBe('Running ten minutes late, start without me.');
    expect(reply.message_reference?.message_id).toBe(voice.id);
    expect(reply.mentions).toEqual([]);
    expect(Buffer.compare(h.openai.audio.lastFile!.data, Buffer.from(VOICE_OGG))).toBe(0);
    const rows = h.bot.ctx.db.prepare('SELECT command, state, units FROM ledger WHERE user_id = ?').all(speaker.id);
    expect(rows).toEqual([{ command: 'voice-message', state: 'settled', units: 2 }]);
  });

  test('in a channel where it is off (or never set): ignored, no call', async () => {
    const off = TEST_CHANNEL_IDS[1]!;
    await setVoice(off, 'off');
    voiceMessage(off, { id: '520000000000000002', username: 'quiet' });
    voiceMessage(TEST_CHANNEL_IDS[2]!, { id: '520000000000000002', username: 'quiet' });
    await expectNoReply(off);
    expect(botReplies(TEST_CHANNEL_IDS[2]!)).toEqual([]);
  });

  test('a thread inherits its channel\'s setting', async () => {
    await setVoice(DEFAULT_CHANNEL_ID, 'on');
    h.openai.audio.enqueue({ text: 'Said in a thread.' });
    voiceMessage(DEFAULT_THREAD_ID, { id: '520000000000000003', username: 'threader' });
    expect((await waitForReply(DEFAULT_THREAD_ID)).content).toBe('Said in a thread.');
  });

  test('a speaker over their limit gets a short notice by DM, never in the channel, and no call', async () => {
    const channelId = TEST_CHANNEL_IDS[3]!;
    await setVoice(channelId, 'on');
    const speaker = { id: '520000000000000004', username: 'spender' };
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: speaker.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    h.discord.clearRequests();
    const voice = voiceMessage(channelId, speaker);
    const dm = h.discord.dmChannelId(speaker.id);
    const notice = await waitForReply(dm);
    expect(notice.content).toMatch(/^🔇 Not transcribed: you have reached your spending limit\. It resets <t:\d+:R>/);
    expect(notice.content).toContain(`/channels/${DEFAULT_GUILD_ID}/${channelId}/${voice.id}`); // which voice message
    expect(notice.mentions).toEqual([]);
    expect(botReplies(channelId)).toEqual([]); // nobody else learns a member ran out of budget
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(h.discord.requests.filter((r) => r.path.includes('/attachments/'))).toHaveLength(0); // not even downloaded
    // A second voice message in the same period: no second notice (no spam), still no call.
    voiceMessage(channelId, speaker);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await h.settled();
    expect(botReplies(dm)).toHaveLength(1);
    expect(botReplies(channelId)).toEqual([]);
    expect(h.openai.audio.requests).toHaveLength(0);
  });

  test('a speaker over their limit whose DMs are closed: the notice is skipped quietly, nothing in the channel', async () => {
    const channelId = TEST_CHANNEL_IDS[5]!;
    await setVoice(channelId, 'on');
    const speaker = { id: '520000000000000006', username: 'private-person' };
    h.discord.closeDms(speaker.id);
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: speaker.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const dm = h.discord.dmChannelId(speaker.id);
    voiceMessage(channelId, speaker);
    const refused = await h.discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${dm}/messages`);
    await h.settled();
    expect([refused.status, (refused.response as { code: number }).code]).toEqual([403, 50007]);
    expect(botReplies(dm)).toEqual([]);
    expect(botReplies(channelId)).toEqual([]);
    expect(h.openai.audio.requests).toHaveLength(0);
    const about = h.logs().filter((l) => l.userId === speaker.id);
    expect(about.filter((l) => String(l.msg).includes('DMs'))).toEqual([expect.objectContaining({ level: 20 })]);
    expect(about.filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  test('in a channel where the bot may not send messages: no download, no AI request, no REST call', async () => {
    const channelId = TEST_CHANNEL_IDS[6]!;
    await setVoice(channelId, 'on');
    h.discord.setChannelOverwrites(channelId, [{ id: h.discord.botUser.id, type: OverwriteType.Member, deny: PermissionFlagsBits.SendMessages }]);
    const deadline = performance.now() + 5000;
    while ((h.bot.client.channels.cache.get(channelId) as GuildChannel).permissionOverwrites.cache.size === 0) {
      if (performance.now() > deadline) throw new Error('CHANNEL_UPDATE never reached the cache');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    h.discord.clearRequests();
    voiceMessage(channelId, { id: '520000000000000007', username: 'muted-room' });
    await expectNoReply(channelId);
    expect(h.discord.requests).toEqual([]); // no typing, no download, no reply
    expect(h.logs().filter((l) => l.channelId === channelId && String(l.msg).includes('may not reply'))).toHaveLength(1);
  });

  test('an ordinary message in an enabled channel is left alone', async () => {
    const channelId = TEST_CHANNEL_IDS[4]!;
    await setVoice(channelId, 'on');
    h.discord.sendMessage({ channelId, content: 'typing, not talking', attachments: [{ filename: 'song.ogg', contentType: 'audio/ogg', data: VOICE_OGG }] });
    await expectNoReply(channelId);
  });
});

describe('voice messages are reserved for what their bytes hold', () => {
  const craftedVoice = (channelId: string, author: { id: string; username: string }, data: Uint8Array, durationSecs: number) => h.discord.sendMessage({
    channelId, author, flags: IS_VOICE_MESSAGE, attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data, durationSecs }],
  });
  const rows = (userId: string) => h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, units FROM ledger WHERE user_id = ?').all(userId) as
    { state: string; reserved: number; charged: number; units: number }[];

  test('a voice message whose duration_secs says 1 s but whose packets hold 60 s is refused in plain words, uncharged', async () => {
    const channelId = TEST_CHANNEL_IDS[5]!;
    await setVoice(channelId, 'on');
    const speaker = { id: '520000000000000005', username: 'liar' };
    craftedVoice(channelId, speaker, craftOggOpus(60, 60).bytes, 1);
    const reply = await waitForReply(channelId);
    expect(reply.content).toMatch(/^I didn't transcribe that file: it says it is 1 s long, but the audio in it runs 1 min 0 s\./);
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(rows(speaker.id)).toEqual([]);
  });

  test('an honest 60 s voice message: reserved for at least what OpenAI bills, charged what it billed', async () => {
    const channelId = TEST_CHANNEL_IDS[8]!;
    await setVoice(channelId, 'on');
    const speaker = { id: '520000000000000016', username: 'talker' };
    const file = craftOggOpus(60, 60);
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    h.openai.audio.enqueue({ text: 'A full minute.' });
    craftedVoice(channelId, speaker, file.bytes, 60);
    expect((await waitForReply(channelId)).content).toBe('A full minute.');
    const [row] = rows(speaker.id);
    expect(row).toMatchObject({ state: 'settled', charged: 6000, units: 60 }); // $0.006 a minute
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });
});

describe('when Discord refuses the Message Content intent (4014)', () => {
  let refused: BotHarness;
  beforeAll(async () => { refused = await BotHarness.start({ env: { VOICE_TRANSCRIPTION: 'true' } }); });
  afterAll(async () => { await refused?.close(); });

  test('logs a clear warning, logs in again without it, and everything else works', async () => {
    expect(refused.discord.gatewayCloses.some((c) => c.code === 4014)).toBe(true);
    expect(refused.discord.identify!.intents & GatewayIntentBits.MessageContent).toBe(0);
    const warning = refused.logs().find((l) => l.level === 40 && String(l.msg).includes('Message Content'));
    expect(warning?.msg).toMatch(/Privileged Gateway Intents/);
    refused.openai.chat.enqueue({ text: 'Still answering.' });
    const ask = refused.command('ask', { prompt: 'still there?' });
    await refused.settled(ask);
    expect(ask.transcript()).toEqual(['Still answering.']);
    const show = refused.command('settings', { state: 'on' }, { subcommand: 'voice-transcription', permissions: MANAGE_GUILD });
    await refused.settled(show);
    expect((show.callbacks[0]!.data as { content: string }).content).toMatch(/Discord refused the Message Content intent/);
  });
});

describe('with the server\'s moderation on block', () => {
  test('a flagged transcript is replaced by the notice (the transcription is still charged)', async () => {
    const channelId = TEST_CHANNEL_IDS[20]!;
    await setVoice(channelId, 'on');
    await h.settled(h.command('settings', { mode: 'block' }, { subcommand: 'moderation', channelId, permissions: MANAGE_GUILD }));
    try {
      h.openai.moderation.rule = (text) => (text.includes('threat') ? ['harassment/threatening'] : []);
      h.openai.audio.enqueue({ text: 'This is a threat.' });
      const speaker = { id: '520000000000000077', username: 'speaker77' };
      voiceMessage(channelId, speaker);
      const reply = await waitForReply(channelId);
      expect(reply.content).toBe('The transcript was withheld: this server\'s moderation flagged it as threatening harassment.');
      expect(h.openai.moderation.inputs).toEqual([['This is a threat.']]);
      const charged = h.bot.ctx.db.prepare("SELECT charged_micros FROM ledger WHERE user_id = ? AND state = 'settled'").pluck().get(speaker.id) as number;
      expect(charged).toBeGreaterThan(0);
    } finally {
      await h.settled(h.command('settings', { mode: 'off' }, { subcommand: 'moderation', channelId, permissions: MANAGE_GUILD }));
    }
  });
});

describe('the safety net of a voice message', () => {
  test('an unexpected failure: a plain apology as the reply, pinging nobody, logged with the cause', async () => {
    const channelId = TEST_CHANNEL_IDS[12]!;
    await setVoice(channelId, 'on');
    const { transcription } = h.bot.ctx.services;
    const transcribe = transcription.transcribe.bind(transcription);
    transcription.transcribe = () => {
      transcription.transcribe = transcribe;
      throw new Error('simulated bug: disk on fire');
    };
    const voice = voiceMessage(channelId, { id: '520000000000000031', username: 'unlucky' });
    const reply = await waitForReply(channelId);
    expect(reply.content).toBe('Sorry, something went wrong on my side. The error was logged; please try again.');
    expect(reply.message_reference?.message_id).toBe(voice.id);
    const sent = h.discord.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);
    expect((sent?.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], replied_user: false });
    const logged = h.logs().find((l) => l.msg === 'transcribing a voice message failed');
    expect(String((logged?.err as { message: string } | undefined)?.message)).toContain('disk on fire');
  });
});
