import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { TRANSCRIPT_ATTACH_THRESHOLD } from '../../src/services/audio/limits.ts';
import { makeWav } from '../../src/services/audio/wav.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction } from '../support/fakeDiscord.ts';

const VOICE_OGG = new Uint8Array(readFileSync(new URL('../fixtures/audio/voice.ogg', import.meta.url)));
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(64).fill(0)]);
const EPHEMERAL = 64;
const IS_VOICE_MESSAGE = 1 << 13;
/** whisper-1: $0.006 a minute = 6,000 micro-dollars, billed by the second. */
const whisperMicros = (seconds: number) => Math.ceil((seconds * 6000) / 60);

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); h.discord.clearRequests(); });

const ledgerRows = (userId: string) => h.bot.ctx.db.prepare('SELECT command, model, state, charged_micros AS charged, units FROM ledger WHERE user_id = ? ORDER BY id').all(userId) as
  { command: string; model: string; state: string; charged: number; units: number | null }[];
const downloads = () => h.discord.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/attachments/'));
/** What only the invoker saw: an ephemeral reply or follow-up. */
const privateText = (i: FakeInteraction) => {
  const callback = i.callbacks[0]!;
  if (callback.type === 4) return { flags: (callback.data as { flags: number }).flags, content: (callback.data as { content: string }).content };
  const followUp = i.followUps.at(-1)!;
  return { flags: followUp.flags ?? 0, content: followUp.content };
};
let userSeq = 0;
/** A fresh member per test keeps ledgers apart. */
const freshUser = () => ({ id: `51000000000000${String(++userSeq).padStart(4, '0')}`, username: `speaker${userSeq}` });

describe('/transcribe', () => {
  test('a WAV written by the test: deferred, uploaded as is, answered with the text and charged by the second', async () => {
    const wav = makeWav({ seconds: 1.5 });
    const user = freshUser();
    h.openai.audio.enqueue({ text: 'Hello from a real WAV file.', duration: 1.5 });
    const i = h.command('transcribe', { audio: { filename: 'meeting note.wav', contentType: 'audio/wav', data: wav } }, { user });
    expect((await i.callback()).type).toBe(5);
    await h.settled(i);
    expect(i.transcript()).toEqual(['Hello from a real WAV file.']);
    const file = h.openai.audio.lastFile!;
    expect(Buffer.compare(file.data, Buffer.from(wav))).toBe(0);
    expect(file.filename).toBe('meeting_note.wav');
    expect(h.openai.audio.requests[0]!.fields).toMatchObject({ model: 'whisper-1', response_format: 'json' });
    expect(h.openai.audio.requests[0]!.fields.language).toBeUndefined();
    expect(ledgerRows(user.id)).toEqual([{ command: 'transcribe', model: 'whisper-1', state: 'settled', charged: whisperMicros(2), units: 2 }]);
    expect(i.originalEdits.at(-1)!.body.allowed_mentions).toEqual({ parse: [] });
  });

  test('the OGG/Opus fixture with a language hint by name is sent as ogg with language=ja', async () => {
    h.openai.audio.enqueue({ text: 'こんにちは。' });
    const i = h.command('transcribe', { audio: { filename: 'voice.ogg', contentType: 'audio/ogg', data: VOICE_OGG }, language: 'Japanese' });
    await h.settled(i);
    expect(i.transcript()).toEqual(['こんにちは。']);
    expect(h.openai.audio.lastFile!.filename).toBe('voice.ogg');
    expect(h.openai.audio.requests[0]!.fields.language).toBe('ja');
  });

  test.each([
    ['a PNG renamed .ogg', { filename: 'song.ogg', contentType: 'audio/ogg', data: PNG }, /not an audio file I can read \(The file is a PNG image, not audio\.\)/],
    ['an empty file', { filename: 'empty.mp3', contentType: 'audio/mpeg', data: new Uint8Array(0) }, /That file is empty/],
  ])('%s is refused privately after the download, without calling the API or charging', async (_name, audio, reply) => {
    const user = freshUser();
    const i = h.command('transcribe', { audio }, { user });
    await h.settled(i);
    expect(downloads()).toHaveLength(1);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(reply) });
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test('a file over 25 MB is refused from its declared size: no download, no defer', async () => {
    const i = h.command('transcribe', { audio: { filename: 'podcast.mp3', contentType: 'audio/mpeg', size: 30 * 1024 * 1024, data: makeWav({ seconds: 0.1 }) } });
    await h.settled(i);
    expect(i.callbacks[0]!.type).toBe(4);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/30\.0 MB; the transcription service takes at most 25\.0 MB/) });
    expect(downloads()).toHaveLength(0);
    expect(h.openai.audio.requests).toHaveLength(0);
  });

  test('a transcript past the threshold arrives as transcript.txt', async () => {
    const long = 'This sentence is part of a very long recording. '.repeat(Math.ceil(TRANSCRIPT_ATTACH_THRESHOLD / 40)).trim();
    h.openai.audio.enqueue({ text: long });
    const i = h.command('transcribe', { audio: { filename: 'lecture.wav', data: makeWav({ seconds: 1 }) } });
    await h.settled(i);
    const edit = i.originalEdits.at(-1)!;
    expect(edit.files.map((f) => f.filename)).toEqual(['transcript.txt']);
    expect(edit.files[0]!.data.toString('utf8').trim()).toBe(long);
    expect(i.transcript()[0]).toMatch(/attached as a text file/);
  });

  test('silence gets "No speech found", not an empty message', async () => {
    h.openai.audio.enqueue({ text: '  ' });
    const i = h.command('transcribe', { audio: { filename: 'silence.wav', data: makeWav({ seconds: 1, frequency: 0 }) } });
    await h.settled(i);
    expect(i.transcript()).toEqual(['No speech found in this recording.']);
  });

  test('a failed call is explained privately and its reservation released', async () => {
    const user = freshUser();
    h.openai.audio.enqueue({ error: 'insufficient_quota' });
    const i = h.command('transcribe', { audio: { filename: 'a.wav', data: makeWav({ seconds: 1 }) } }, { user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/out of credit/) });
    expect(ledgerRows(user.id)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
  });

  test('a member over their limit is refused privately, and the API is not called', async () => {
    const user = freshUser();
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const i = h.command('transcribe', { audio: { filename: 'a.wav', data: makeWav({ seconds: 1 }) } }, { user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/can't use paid commands right now/) });
    expect(h.openai.audio.requests).toHaveLength(0);
  });

  test('a language the API cannot take is refused at once, in the member\'s language', async () => {
    const i = h.command('transcribe', { audio: { filename: 'a.wav', data: makeWav({ seconds: 1 }) }, language: 'Cantonese' }, { locale: 'zh-TW' });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/無法辨識「Cantonese」/) });
    expect(downloads()).toHaveLength(0);
  });
});

describe('the Transcribe context menu', () => {
  test('is registered as a message command named exactly "Transcribe"', () => {
    const menu = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'Transcribe');
    expect(menu?.type).toBe(3);
  });

  test('on a voice message: transcribes it, charged to whoever clicked', async () => {
    const clicker = freshUser();
    h.openai.audio.enqueue({ text: 'Meet you at five.' });
    const i = h.discord.sendInteraction({
      kind: 'messageContextMenu', commandName: 'Transcribe', guildId: DEFAULT_GUILD_ID, channelId: TEST_CHANNEL_IDS[20], user: clicker,
      targetMessage: { author: { username: 'someone-else' }, flags: IS_VOICE_MESSAGE, attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: VOICE_OGG, durationSecs: 1.5 }] },
    });
    await h.settled(i);
    expect(i.transcript()).toEqual(['Meet you at five.']);
    expect(Buffer.compare(h.openai.audio.lastFile!.data, Buffer.from(VOICE_OGG))).toBe(0);
    expect(ledgerRows(clicker.id)).toEqual([expect.objectContaining({ command: 'transcribe-menu', state: 'settled' })]);
  });

  test('on a message without audio: a clear private reply, nothing downloaded', async () => {
    const i = h.discord.sendInteraction({
      kind: 'messageContextMenu', commandName: 'Transcribe', guildId: DEFAULT_GUILD_ID,
      targetMessage: { content: 'just text', attachments: [{ filename: 'photo.png', contentType: 'image/png', data: PNG }] },
    });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: 'That message has no voice message or audio attachment to transcribe.' });
    expect(downloads()).toHaveLength(0);
    expect(h.openai.audio.requests).toHaveLength(0);
  });
});
