import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { makeWav } from '../../../src/services/audio/wav.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type FakeInteractionSpec } from '../../support/fakeDiscord.ts';

const MANAGE_GUILD = 1n << 5n;
const EPHEMERAL = 64;
const LOG_CHANNEL = TEST_CHANNEL_IDS[39]!;

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(async () => {
  h.openai.reset();
  h.discord.clearRequests();
  await settings('moderation-log', {});
  await settings('moderation-failure', { state: 'open' });
});

async function settings(subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i = h.command('settings', options, { subcommand, permissions: String(MANAGE_GUILD), ...spec });
  await h.settled(i);
  const data = i.callbacks[0]!.data as { content: string; flags: number };
  expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
  return data.content;
}

let seq = 0;
const fresh = () => {
  seq += 1;
  return { channelId: TEST_CHANNEL_IDS[seq % 30]!, user: { id: `52000000000000${String(seq).padStart(4, '0')}`, username: `member${seq}` } };
};
const ledgerRows = (userId: string) => h.bot.ctx.db.prepare('SELECT command, state, charged_micros AS charged FROM ledger WHERE user_id = ? ORDER BY id').all(userId) as
  { command: string; state: string; charged: number }[];
const historyRows = (channelId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(channelId) as number;
/** What only the invoker saw: the ephemeral follow-up that replaced a public deferral, or an ephemeral edit. */
const privateText = (i: FakeInteraction) => {
  const followUp = i.followUps.at(-1);
  if (followUp) return { ephemeral: ((followUp.flags ?? 0) & EPHEMERAL) === EPHEMERAL, content: followUp.content };
  return { ephemeral: i.ephemeral, content: i.original()?.content ?? '' };
};
const notes = () => h.discord.channelMessages(LOG_CHANNEL).filter((m) => m.author.id === h.discord.botUser.id).map((m) => m.content);
const botReplies = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.botUser.id && !m.webhook_id);
const flagWord = (word: string, category: string) => { h.openai.moderation.rule = (text) => (text.includes(word) ? [category] : []); };

describe('/settings moderation', () => {
  test('off by default: nothing is sent to the moderation endpoint', async () => {
    await settings('moderation', { mode: 'off' });
    const { channelId, user } = fresh();
    h.openai.chat.enqueue({ text: 'Fine.' });
    await h.settled(h.command('ask', { prompt: 'hello' }, { channelId, user }));
    expect(h.openai.requestsTo('/v1/moderations')).toHaveLength(0);
  });

  test('each setting answers in the admin\'s language and /settings show lists them', async () => {
    expect(await settings('moderation', { mode: 'block' })).toMatch(/^Moderation is set to \*\*block\*\*/);
    expect(await settings('moderation', { mode: 'flag' }, { locale: 'zh-TW' })).toMatch(/^內容審核設為\*\*標記\*\*.*moderation-log/);
    expect(await settings('moderation-log', { channel: LOG_CHANNEL })).toBe(`Moderation notes go to <#${LOG_CHANNEL}>.`);
    expect(await settings('moderation-failure', { state: 'closed' }, { locale: 'zh-TW' })).toMatch(/^內容審核無法執行時.*請求會被拒絕/);
    expect(await settings('show', {})).toContain(`Moderation: **flag** · notes: <#${LOG_CHANNEL}> · when a check can't run: closed`);
    expect(h.bot.ctx.services.moderation.settings(DEFAULT_GUILD_ID)).toEqual({ mode: 'flag', logChannelId: LOG_CHANNEL, failClosed: true });
  });

  test('only members with Manage Server may change it', async () => {
    await settings('moderation', { mode: 'off' });
    const reply = await settings('moderation', { mode: 'block' }, { permissions: '0' });
    expect(reply).toMatch(/Manage Server/);
    expect(h.bot.ctx.services.moderation.settings(DEFAULT_GUILD_ID).mode).toBe('off');
  });
});

describe('block', () => {
  beforeEach(async () => { await settings('moderation', { mode: 'block' }); });

  test('thinking streamed beside a clean answer is screened too: flagged, the answer shows without its "Show reasoning" button', async () => {
    const { channelId, user } = fresh();
    flagWord('GRAPHIC PLAN', 'violence/graphic');
    h.openai.chat.enqueue({ text: 'Here is a calm answer.', reasoning: 'First a GRAPHIC PLAN, then a calm answer.', reasoningField: 'reasoning_content' });
    const hidden = h.command('ask', { prompt: 'tell me' }, { channelId, user });
    await h.settled(hidden);
    expect(hidden.transcript()).toEqual(['Here is a calm answer.']);
    expect(hidden.original()?.components ?? []).toEqual([]);

    h.openai.chat.enqueue({ text: 'Another calm answer.', reasoning: 'Nothing to worry about here.', reasoningField: 'reasoning_content' });
    const shown = h.command('ask', { prompt: 'tell me more' }, { channelId, user });
    await h.settled(shown);
    expect(shown.original()?.components ?? []).toHaveLength(1);
  });

  test.each([
    ['en-US', /^Your request wasn't sent: this server's moderation flagged it as threatening harassment\. Nothing was charged\.$/],
    ['zh-TW', /^你的請求沒有送出：本伺服器的內容審核將它標記為威脅性騷擾。沒有收取任何費用。$/],
  ])('/ask: a flagged question is refused privately (%s), never sent to the model, and costs nothing', async (locale, refusal) => {
    const { channelId, user } = fresh();
    flagWord('hurt you', 'harassment/threatening');
    const i = h.command('ask', { prompt: 'I will hurt you' }, { channelId, user, locale });
    await h.settled(i);
    expect(privateText(i)).toEqual({ ephemeral: true, content: expect.stringMatching(refusal) });
    expect(h.openai.moderation.inputs).toEqual([['I will hurt you']]);
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
    expect(historyRows(channelId)).toBe(0);
  });

  test('/ask: a clean question is checked, then answered as usual', async () => {
    const { channelId, user } = fresh();
    h.openai.chat.enqueue({ text: 'Paris.' });
    const i = h.command('ask', { prompt: 'Capital of France?' }, { channelId, user });
    await h.settled(i);
    expect(i.transcript()).toEqual(['Paris.']);
    expect(h.openai.moderation.inputs).toEqual([['Capital of France?'], ['Paris.']]);
    expect(historyRows(channelId)).toBe(2); // the question and the answer
    expect(ledgerRows(user.id)).toEqual([{ command: 'ask', state: 'settled', charged: expect.any(Number) }]);
  });

  test('/ask: a flagged answer replaces its streamed drafts with a notice, is charged, and is not stored', async () => {
    const { channelId, user } = fresh();
    const long = `${'A harmless opening paragraph. '.repeat(90)}GRAPHIC DETAIL ${'more text. '.repeat(150)}`;
    expect(long.length).toBeGreaterThan(4000);
    h.openai.chat.enqueue({ text: long, chunks: long.match(/[\s\S]{1,500}/g)!, chunkDelayMs: 150 });
    flagWord('GRAPHIC DETAIL', 'violence/graphic');
    const i = h.command('ask', { prompt: 'Tell me a story' }, { channelId, user });
    await h.settled(i);
    // Drafts of the answer were shown while it streamed, and are gone now.
    expect(i.originalEdits.some((e) => String(e.body.content).startsWith('A harmless opening'))).toBe(true);
    expect(i.transcript()).toEqual(['The answer was withheld: this server\'s moderation flagged it as graphic violence.']);
    expect(i.followUps).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([{ command: 'ask', state: 'settled', charged: expect.any(Number) }]);
    expect(ledgerRows(user.id)[0]!.charged).toBeGreaterThan(0);
    expect(historyRows(channelId)).toBe(0);
  });

  test('a mention: a flagged question gets a plain reply (written in Chinese, in a zh-TW server) and no model call', async () => {
    const { channelId, user } = fresh();
    flagWord('恨他們', 'hate');
    const guild = h.bot.client.guilds.cache.get(DEFAULT_GUILD_ID)!;
    const before = guild.preferredLocale;
    Object.assign(guild, { preferredLocale: 'zh-TW' });
    try {
      h.discord.sendMessage({ channelId, author: user, content: `<@${h.discord.botUser.id}> 我恨他們所有人` });
      await h.repliedIn([channelId]);
    } finally {
      Object.assign(guild, { preferredLocale: before });
    }
    expect(botReplies(channelId).map((m) => m.content)).toEqual(['你的請求沒有送出：本伺服器的內容審核將它標記為仇恨。沒有收取任何費用。']);
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test('/translate: a flagged text is refused privately before any paid call', async () => {
    const { channelId, user } = fresh();
    flagWord('kill', 'violence');
    const i = h.command('translate', { text: 'I will kill the process and you', to: 'French' }, { channelId, user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ ephemeral: true, content: 'Your request wasn\'t sent: this server\'s moderation flagged it as violence. Nothing was charged.' });
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test('/imagine: a flagged prompt is refused privately; no image is requested', async () => {
    const { channelId, user } = fresh();
    flagWord('gore', 'violence/graphic');
    const i = h.command('imagine', { prompt: 'a scene full of gore' }, { channelId, user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ ephemeral: true, content: expect.stringMatching(/flagged it as graphic violence\. Nothing was charged\.$/) });
    expect(h.openai.requestsTo('/v1/images/generations')).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test('/transcribe: a flagged transcript is withheld (the transcription itself was billed and is charged)', async () => {
    const { channelId, user } = fresh();
    flagWord('threat', 'harassment/threatening');
    h.openai.audio.enqueue({ text: 'This is a threat recorded on tape.', duration: 1 });
    const i = h.command('transcribe', { audio: { filename: 'a.wav', contentType: 'audio/wav', data: makeWav({ seconds: 1 }) } }, { channelId, user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ ephemeral: true, content: 'The transcript was withheld: this server\'s moderation flagged it as threatening harassment.' });
    expect(i.transcript().join('\n')).not.toContain('threat recorded');
    expect(ledgerRows(user.id)).toEqual([{ command: 'transcribe', state: 'settled', charged: expect.any(Number) }]);
  });

  test('with a log channel, a refusal is also noted there: who, where, why — not the text', async () => {
    await settings('moderation-log', { channel: LOG_CHANNEL });
    const { channelId, user } = fresh();
    flagWord('secret insult', 'harassment');
    const before = notes().length;
    await h.settled(h.command('ask', { prompt: 'a secret insult' }, { channelId, user }));
    const [note] = notes().slice(before);
    expect(note).toBe(`**Moderation (block)**: a prompt from <@${user.id}> in <#${channelId}> was flagged as harassment. It was not shown.`);
    const posted = h.discord.requests.find((r) => r.method === 'POST' && r.path === `/channels/${LOG_CHANNEL}/messages`);
    expect((posted?.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
  });
});

describe('flag', () => {
  beforeEach(async () => {
    await settings('moderation', { mode: 'flag' });
    await settings('moderation-log', { channel: LOG_CHANNEL });
  });

  test('nothing is refused: the answer is shown, and a note with a jump link goes to the log channel', async () => {
    const { channelId, user } = fresh();
    flagWord('awful people', 'hate');
    h.openai.chat.enqueue({ text: 'I would rather not generalise.' });
    const before = notes().length;
    const question = h.discord.sendMessage({ channelId, author: user, content: `<@${h.discord.botUser.id}> aren't they awful people?` });
    await h.repliedIn([channelId]);
    await h.bot.ctx.services.moderation.idle();
    expect(botReplies(channelId).map((m) => m.content)).toEqual(['I would rather not generalise.']);
    const added = notes().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toContain(`a prompt from <@${user.id}> in <#${channelId}> was flagged as hate. Nothing was refused.`);
    expect(added[0]).toContain(`/channels/${DEFAULT_GUILD_ID}/${channelId}/${question.id}`);
    expect(added[0]).not.toContain('awful people');
    expect(ledgerRows(user.id)).toEqual([{ command: 'mention', state: 'settled', charged: expect.any(Number) }]);
  });

  test('the Translate menu on someone else\'s message: the note names the author as the writer and the member who ran it', async () => {
    const { channelId, user: clicker } = fresh();
    const { user: author } = fresh();
    flagWord('awful people', 'hate');
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n他們很糟' });
    const before = notes().length;
    const i = h.discord.sendInteraction({
      kind: 'messageContextMenu', commandName: 'Translate', guildId: DEFAULT_GUILD_ID, channelId, user: clicker, member: { roles: [] },
      targetMessage: { author, member: { roles: [] }, content: 'they are awful people' },
    });
    await h.settled(i);
    await h.bot.ctx.services.moderation.idle();
    const added = notes().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toContain(`a prompt from <@${author.id}> in <#${channelId}> was flagged as hate. Requested by <@${clicker.id}>. Nothing was refused.`);
  });

  test('a log channel the bot cannot post in is refused when chosen', async () => {
    const channel = h.bot.client.channels.cache.get(TEST_CHANNEL_IDS[38]!) as unknown as { permissionsFor: unknown };
    const original = channel.permissionsFor;
    channel.permissionsFor = () => ({ has: () => false });
    try {
      expect(await settings('moderation-log', { channel: TEST_CHANNEL_IDS[38]! })).toBe(`I can't post in <#${TEST_CHANNEL_IDS[38]}>: I need View Channel and Send Messages there. Nothing was changed.`);
    } finally {
      channel.permissionsFor = original;
    }
    expect(h.bot.ctx.services.moderation.settings(DEFAULT_GUILD_ID).logChannelId).toBe(LOG_CHANNEL);
  });
});

describe('when the check cannot run', () => {
  beforeEach(async () => { await settings('moderation', { mode: 'block' }); });

  test('fail-open (default): a 5xx is repeated once, logged, and the question goes on', async () => {
    const { channelId, user } = fresh();
    h.openai.moderation.enqueue({ error: 'server_error', status: 503, times: 4 });
    h.openai.chat.enqueue({ text: 'Answered anyway.' });
    const i = h.command('ask', { prompt: 'hello there' }, { channelId, user });
    await h.settled(i);
    expect(i.transcript()).toEqual(['Answered anyway.']);
    // Input: first try + one repeat; output: first try + one repeat.
    expect(h.openai.requestsTo('/v1/moderations')).toHaveLength(4);
    expect(h.logs().some((l) => String(l.msg).includes('moderation check could not run') && l.level === 40)).toBe(true);
  });

  test.each([['en-US', /^This server requires a moderation check, and it couldn't run just now/], ['zh-TW', /^本伺服器要求內容審核，但審核目前無法執行/]])(
    'fail-closed: the question is refused (%s) and costs nothing', async (locale, refusal) => {
      await settings('moderation-failure', { state: 'closed' });
      const { channelId, user } = fresh();
      h.openai.moderation.enqueue({ error: 'server_error', status: 500, times: 2 });
      const i = h.command('ask', { prompt: 'hello there' }, { channelId, user, locale });
      await h.settled(i);
      expect(privateText(i)).toEqual({ ephemeral: true, content: expect.stringMatching(refusal) });
      expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
      expect(ledgerRows(user.id)).toEqual([]);
    });

  test('a compatible server without /moderations (404): members go on, and the route is not asked again for a while', async () => {
    h.openai.compat = { missingRoutes: ['moderations'] };
    const { channelId, user } = fresh();
    h.openai.chat.enqueue({ text: 'One.' }, { text: 'Two.' });
    await h.settled(h.command('ask', { prompt: 'first' }, { channelId, user }));
    await h.settled(h.command('ask', { prompt: 'second' }, { channelId, user }));
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(2);
    expect(h.openai.requestsTo('/v1/moderations')).toHaveLength(1);
    const warnings = h.logs().filter((l) => l.reason === 'missing_route' && l.level === 40);
    expect(warnings).toHaveLength(1);
  });
});
