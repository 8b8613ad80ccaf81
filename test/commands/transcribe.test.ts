import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { MAX_TRANSCRIPTION_BYTES, TRANSCRIPT_ATTACH_THRESHOLD } from '../../src/services/audio/limits.ts';
import { makeWav } from '../../src/services/audio/wav.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { aacSourceOf, craftPackedM4a } from '../support/craftedAac.ts';
import { craftM4a, craftMp3, craftOggFlac, craftOggOpus, craftWavImaAdpcm, craftWavTwoFormats, craftWebmVorbis } from '../support/craftedAudio.ts';
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
const moneyRows = (userId: string) => h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, units FROM ledger WHERE user_id = ? ORDER BY id').all(userId) as
  { state: string; reserved: number; charged: number; units: number | null }[];
const downloads = () => h.discord.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/attachments/'));
/** What only the invoker saw: an ephemeral reply or follow-up. */
const privateText = (i: FakeInteraction) => {
  const callback = i.callbacks[0]!;
  if (callback.type === 4) return { flags: (callback.data as { flags: number }).flags, content: (callback.data as { content: string }).content };
  const followUp = i.followUps.at(-1)!;
  return { flags: followUp.flags ?? 0, content: followUp.content };
};
/** 25 MB goes through three loopback hops (CDN download, upload, the fake's form parsing): slow on a loaded machine. */
const LARGE_FILE_TEST_MS = 90_000;
/** A 16 kHz mono 16-bit WAV of exactly `bytes` bytes (its 44-byte header included; `bytes` even). */
const wavOfBytes = (bytes: number) => makeWav({ seconds: (bytes - 44) / 2 / 16_000 });

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
    // Billed as the API reports: 1.5 s, rounded up by the API to 2.
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

  test.each([
    { locale: 'zh-TW', says: '這不是我能讀取的音訊檔（這個檔案是 PNG 圖片，不是音訊）。我可以轉錄 flac、mp3、mp4、m4a、ogg、wav 和 webm。' },
    { locale: 'zh-CN', says: '这不是我能读取的音频文件（这个文件是 PNG 图片，不是音频）。我可以转录 flac、mp3、mp4、m4a、ogg、wav 和 webm。' },
    { locale: 'ja', says: '読み取れる音声ファイルではありません（このファイルは PNG 画像で、音声ではありません）。文字起こしできるのは flac、mp3、mp4、m4a、ogg、wav、webm です。' },
  ])('a file that is not audio is explained to a $locale member in their language, why included', async ({ locale, says }) => {
    const i = h.command('transcribe', { audio: { filename: 'song.ogg', contentType: 'audio/ogg', data: PNG } }, { locale });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: says });
  });

  test.each([
    { locale: 'zh-CN', says: /^转录文本共 [\d,]+ 个字符，已作为文本文件附上。$/ },
    { locale: 'ja', says: /^文字起こしは [\d,]+ 文字あるため、テキストファイルとして添付しました。$/ },
  ])('a long transcript is attached with a note in $locale', async ({ locale, says }) => {
    h.openai.audio.enqueue({ text: 'word '.repeat(TRANSCRIPT_ATTACH_THRESHOLD / 4).trim() });
    const i = h.command('transcribe', { audio: { filename: 'lecture.wav', data: makeWav({ seconds: 1 }) } }, { locale });
    await h.settled(i);
    expect(i.originalEdits.at(-1)!.files.map((f) => f.filename)).toEqual(['transcript.txt']);
    expect(i.transcript()[0]).toMatch(says);
  });

  test('a file over 25 MB is refused from its declared size: no download, no defer', async () => {
    const i = h.command('transcribe', { audio: { filename: 'podcast.mp3', contentType: 'audio/mpeg', size: 30 * 1024 * 1024, data: makeWav({ seconds: 0.1 }) } });
    await h.settled(i);
    expect(i.callbacks[0]!.type).toBe(4);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/30\.0 MB; the transcription service takes at most 25\.0 MB/) });
    expect(downloads()).toHaveLength(0);
    expect(h.openai.audio.requests).toHaveLength(0);
  });

  test('a file of exactly 25 MiB is refused before download: with the upload\'s envelope it would pass OpenAI\'s 25 MiB request cap (a 413 after the upload)', async () => {
    const i = h.command('transcribe', { audio: { filename: 'full.wav', contentType: 'audio/wav', data: wavOfBytes(25 * 1024 * 1024) } });
    await h.settled(i);
    expect(i.callbacks[0]!.type).toBe(4);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/25\.0 MB; the transcription service takes at most 25\.0 MB/) });
    expect(downloads()).toHaveLength(0);
    expect(h.openai.requestsTo('/v1/audio/transcriptions')).toHaveLength(0);
  });

  test('the largest file the bot takes fits OpenAI\'s request cap, envelope and all, and is transcribed', async () => {
    const user = freshUser();
    const wav = wavOfBytes(MAX_TRANSCRIPTION_BYTES);
    h.openai.audio.enqueue({ text: 'A long recording.' });
    const i = h.command('transcribe', { audio: { filename: 'largest.wav', contentType: 'audio/wav', data: wav } }, { user });
    await h.settled(i);
    expect(i.transcript()).toEqual(['A long recording.']);
    expect(h.openai.audio.lastFile!.data.length).toBe(MAX_TRANSCRIPTION_BYTES);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(819), charged: whisperMicros(819), units: 819 }]);
  }, LARGE_FILE_TEST_MS);

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
    expect(menu?.name_localizations).toEqual({ 'zh-TW': '轉錄語音', 'zh-CN': '转录语音', ja: '文字起こし' });
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

describe('/transcribe pays for what the audio really holds (whisper-1)', () => {
  const send = (name: string, data: Uint8Array, user = freshUser(), contentType = 'audio/ogg') =>
    ({ user, i: h.command('transcribe', { audio: { filename: name, contentType, data } }, { user }) });
  // An odd file whose header misstates what plays: it is transcribed, reserved for what a decoder plays,
  // and charged `seconds` of whisper-1 (by default the audio's true length, rounded up), within the reservation.
  const billsWhatPlays = async (name: string, file: { bytes: Uint8Array; trueSeconds: number }, contentType?: string, seconds = Math.ceil(file.trueSeconds)) => {
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    h.openai.audio.enqueue({ text: 'A minute of talk.' });
    const { user, i } = send(name, file.bytes, freshUser(), contentType);
    await h.settled(i);
    expect(i.transcript()).toEqual(['A minute of talk.']);
    const [row] = moneyRows(user.id);
    expect(row).toEqual({ state: 'settled', reserved: expect.any(Number), charged: whisperMicros(seconds), units: seconds });
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  };

  test.each([
    ['Ogg/Opus stating 1 s, holding 60 s', 'a.ogg', () => craftOggOpus(60, 1)],
    ['Ogg/Opus stating 2 h, holding 1 s', 'b.ogg', () => craftOggOpus(1, 7200)],
    ['MP3 stating 1 s, holding 60 s', 'c.mp3', () => craftMp3(60, 1)],
    ['MP3 stating 2 h, holding 1 s', 'd.mp3', () => craftMp3(1, 7200)],
    ['M4A stating 1 s, holding 60 s', 'e.m4a', () => craftM4a(60, 1)],
    ['M4A stating 2 h, holding 1 s', 'f.m4a', () => craftM4a(1, 7200)],
  ])('%s is refused in plain words: nothing reaches OpenAI, nothing is charged', async (_name, filename, craft) => {
    const file = craft();
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    const { user, i } = send(filename, file.bytes);
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/^I didn't transcribe that file: it says it is .+ long, but the audio in it runs .+\. .*export the recording again/) });
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test.each([
    { locale: 'zh-CN', says: /^我没有转录这个文件：它标示的长度是 1 秒，但其中的音频实际约有 1 分 0 秒/ },
    { locale: 'ja', says: /^このファイルは文字起こししませんでした：ファイルに記載された長さは 1 秒 ですが、実際の音声は 1 分 0 秒 です。/ },
  ])('the refusal is in $locale for a $locale member', async ({ locale, says }) => {
    const i = h.command('transcribe', { audio: { filename: 'a.m4a', data: craftM4a(60, 1).bytes } }, { user: freshUser(), locale });
    await h.settled(i);
    expect(privateText(i).content).toMatch(says);
  });

  test('the refusal is in zh-TW for a zh-TW member', async () => {
    const user = freshUser();
    const i = h.command('transcribe', { audio: { filename: 'a.m4a', data: craftM4a(60, 1).bytes } }, { user, locale: 'zh-TW' });
    await h.settled(i);
    expect(privateText(i).content).toMatch(/^我沒有轉錄這個檔案：它標示的長度是 1 秒，但其中的音訊實際約有 1 分 0 秒/);
  });

  test.each([
    ['Ogg/Opus', 'long.ogg', () => craftOggOpus(60, 60)],
    ['MP3', 'long.mp3', () => craftMp3(60, 60)],
    ['M4A', 'long.m4a', () => craftM4a(60, 60)],
  ])('an honest 60 s %s: the reservation covers what OpenAI bills, and the bill is what is charged', async (_name, filename, craft) => {
    const file = craft();
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    h.openai.audio.enqueue({ text: 'One minute of talk.' });
    const { user, i } = send(filename, file.bytes);
    await h.settled(i);
    expect(i.transcript()).toEqual(['One minute of talk.']);
    const billed = h.openai.audio.billed[0]!;
    expect(billed.usage).toEqual({ type: 'duration', seconds: Math.ceil(file.trueSeconds) });
    const [row] = moneyRows(user.id);
    expect(row).toEqual({ state: 'settled', reserved: expect.any(Number), charged: whisperMicros(Math.ceil(file.trueSeconds)), units: Math.ceil(file.trueSeconds) });
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });

  test.each(['before', 'after'] as const)('a WAV with a second fmt chunk (%s the data) claiming 384x the bytes a second: reserved for what a decoder plays, and the bill fits', async (where) => {
    await billsWhatPlays(`formats-${where}.wav`, craftWavTwoFormats(60, where), 'audio/wav', 60);
  });

  test.each([2, 3] as const)('an IMA ADPCM WAV of %i-bit codes (FFmpeg decodes 2 to 5 bits; 4 is the usual), without a fact chunk: reserved for what a decoder plays, and the bill fits', async (bits) => {
    await billsWhatPlays(`adpcm-${bits}.wav`, craftWavImaAdpcm(60, bits), 'audio/wav');
  });

  test('an M4A/ALAC whose sample entry claims 6x its ALAC cookie\'s rate, and its header agrees: reserved for what a decoder plays, and the bill fits', async () => {
    await billsWhatPlays('lossless.m4a', craftM4a(60, 10, 'alac'), 'audio/mp4');
  });

  test('an M4A whose mp4a entry (AAC\'s fourcc) holds Opus by its esds object type, its header stating what AAC frames would play: reserved for what a decoder plays, and the bill fits', async () => {
    // 500 packets of 120 ms; read as AAC at the entry's 48 kHz they would be 500 × 1,024 samples, 10.7 s, and the header says that.
    await billsWhatPlays('opus.m4a', craftM4a(60, (500 * 1024) / 48_000, 'mp4a-opus'), 'audio/mp4', 60);
  });

  test('an M4A of MPEG audio (esds 0x6B) whose samples each hold 10 MP3 frames (FFmpeg\'s parser splits them, all play), its header stating one frame a sample: reserved for what a decoder plays, and the bill fits', async () => {
    // 84 samples of 720 ms; taken as one 1,152-sample frame at the entry's 48 kHz each, 2 s, and the header says that.
    await billsWhatPlays('mp3.m4a', craftM4a(60.48, (84 * 1152) / 48_000, 'mp4a-mp3'), 'audio/mp4');
  });

  test('an Ogg/FLAC whose packets each hold 10 FLAC frames (a decoder plays them all), its granules counting one a packet: reserved for what a decoder plays, and the bill fits', async () => {
    await billsWhatPlays('frames.ogg', craftOggFlac(61.44, 10));
  });

  test('a WebM/Vorbis whose Matroska SamplingFrequency claims 24x its Vorbis header\'s rate: reserved for what a decoder plays, and the bill fits', async () => {
    await billsWhatPlays('vorbis.webm', craftWebmVorbis(250), 'audio/webm');
  });

  test.each<[string, (usage: Record<string, unknown>) => Record<string, unknown>]>([
    ['0 seconds (a proxy\'s zeros)', (usage) => ({ ...usage, seconds: 0 })],
  ])('whisper-1 usage of %s is no usage: the reservation is charged, not nothing', async (_name, usage) => {
    const file = craftOggOpus(60, 60);
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    h.openai.audio.enqueue({ text: 'A minute of talk.', usage });
    const { user, i } = send('zeros.ogg', file.bytes);
    await h.settled(i);
    expect(i.transcript()).toEqual(['A minute of talk.']);
    const [row] = moneyRows(user.id);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.charged).toBe(row!.reserved);
    expect(row!.charged).toBeGreaterThanOrEqual(whisperMicros(Math.ceil(file.trueSeconds)));
  });

  test('whisper-1 is settled from the duration the API returns, not the length the bot measured', async () => {
    // The bot measures 3 s (and reserves for it); the API reports 2 s of speech billed: 2 s is what is charged.
    h.openai.audio.enqueue({ text: 'Short.', duration: 2 });
    const { user, i } = send('three.wav', makeWav({ seconds: 3 }), freshUser(), 'audio/wav');
    await h.settled(i);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(3), charged: whisperMicros(2), units: 2 }]);
  });

  test('a response without usage: the reservation is charged (not released), none left open, and a warning logged', async () => {
    h.openai.audio.enqueue({ text: 'No usage here.', omitUsage: true });
    const { user, i } = send('n.wav', makeWav({ seconds: 4 }), freshUser(), 'audio/wav');
    await h.settled(i);
    expect(i.transcript()).toEqual(['No usage here.']);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(4), charged: whisperMicros(4), units: 4 }]);
    expect(h.logs().some((l) => l.level === 40 && String(l.msg).includes('usage missing'))).toBe(true);
  });

  describe('retries', () => {
    let timeoutMs: number;
    beforeAll(() => { timeoutMs = h.bot.ctx.services.transcription.transcriber.timeoutMs; });
    afterEach(() => { h.bot.ctx.services.transcription.transcriber.timeoutMs = timeoutMs; });

    test('a timed-out transcription is sent exactly once and charged its reservation; the member is told what was charged', async () => {
      h.bot.ctx.services.transcription.transcriber.timeoutMs = 300;
      h.openai.audio.enqueue({ text: 'too late', delayMs: 1_500 });
      const { user, i } = send('slow.wav', makeWav({ seconds: 5 }), freshUser(), 'audio/wav');
      await h.settled(i);
      expect(h.openai.audio.requests).toHaveLength(1);
      expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(5), charged: whisperMicros(5), units: 5 }]);
      expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/didn't finish in time .* so \$0\.0005 was charged to you/) });
    });

    test('a dropped connection is not retried either, and is charged its reservation', async () => {
      h.openai.audio.enqueue({ text: 'lost', dropConnection: true });
      const { user, i } = send('drop.wav', makeWav({ seconds: 2 }), freshUser(), 'audio/wav');
      await h.settled(i);
      expect(h.openai.audio.requests).toHaveLength(1);
      expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(2), charged: whisperMicros(2), units: 2 }]);
    });

    test.each([
      ['a 429 (after its retry-after)', { error: 'rate_limit', retryAfterMs: 50 } as const],
      ['a 500 answered at once', { error: 'server_error', status: 500 } as const],
    ])('%s is retried: two requests, one charge for the one transcript', async (_name, failure) => {
      h.openai.audio.enqueue(failure, { text: 'Second time lucky.', duration: 2 });
      const { user, i } = send('retry.wav', makeWav({ seconds: 2 }), freshUser(), 'audio/wav');
      await h.settled(i);
      expect(i.transcript()).toEqual(['Second time lucky.']);
      expect(h.openai.audio.requests).toHaveLength(2);
      expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(2), charged: whisperMicros(2), units: 2 }]);
    });

    test('insufficient_quota is not retried and costs nothing', async () => {
      h.openai.audio.enqueue({ error: 'insufficient_quota' });
      const { user, i } = send('q.wav', makeWav({ seconds: 2 }), freshUser(), 'audio/wav');
      await h.settled(i);
      expect(h.openai.audio.requests).toHaveLength(1);
      expect(moneyRows(user.id)).toEqual([expect.objectContaining({ state: 'released', charged: 0 })]);
    });
  });

  test('a transcript that can no longer be shown (token expired) is still charged, and sent to the member by DM', async () => {
    const user = freshUser();
    h.openai.audio.enqueue({ text: 'Delivered late.', delayMs: 400 });
    const { i } = send('late-note.wav', makeWav({ seconds: 2 }), user, 'audio/wav');
    await i.callback();
    h.discord.expireInteraction(i.id);
    await h.settled(i);
    expect(i.originalEdits).toEqual([]); // never shown in the channel
    const dm = h.discord.channelMessages(h.discord.dmChannelId(user.id)).map((m) => m.content);
    expect(dm).toEqual([expect.stringMatching(/^Your transcript of \*\*late-note\.wav\*\* took longer than Discord keeps a command open/), 'Delivered late.']);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(2), charged: whisperMicros(2), units: 2 }]);
  });
});

describe('/transcribe with a token-billed model (gpt-4o-transcribe)', () => {
  let g: BotHarness;
  beforeAll(async () => { g = await BotHarness.start({ env: { TRANSCRIBE_MODEL: 'gpt-4o-transcribe' } }); });
  afterAll(async () => { await g?.close(); });

  test('settled from the token usage at the audio-input and output token prices; the reservation covered it', async () => {
    const user = freshUser();
    const file = craftOggOpus(60, 60);
    g.openai.audio.registerLength(file.bytes, file.trueSeconds);
    const text = 'A whole minute of speech, transcribed by a token-billed model.';
    g.openai.audio.enqueue({ text });
    const i = g.command('transcribe', { audio: { filename: 'minute.ogg', contentType: 'audio/ogg', data: file.bytes } }, { user });
    await g.settled(i);
    expect(i.transcript()).toEqual([text]);
    const usage = g.openai.audio.billed[0]!.usage as { input_token_details: { audio_tokens: number; text_tokens: number }; output_tokens: number };
    expect(usage).toMatchObject({ type: 'tokens', input_token_details: { audio_tokens: 1000, text_tokens: 0 } });
    // $6 per 1M audio tokens, $10 per 1M output tokens: 6 and 10 micro-dollars a token.
    const expected = Math.ceil(usage.input_token_details.audio_tokens * 6 + usage.output_tokens * 10);
    const row = g.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input, output_tokens AS output FROM ledger WHERE user_id = ?').get(user.id);
    expect(row).toEqual({ state: 'settled', reserved: expect.any(Number), charged: expected, input: 1000, output: usage.output_tokens });
    expect((row as { reserved: number }).reserved).toBeGreaterThanOrEqual(expected);
  });

  test.each<[string, (usage: Record<string, unknown>) => Record<string, unknown>]>([
    ['all zeros', (usage) => ({ ...usage, input_tokens: 0, output_tokens: 0, total_tokens: 0, input_token_details: { audio_tokens: 0, text_tokens: 0 } })],
    ['0 input tokens (the audio uncounted)', (usage) => ({ ...usage, input_tokens: 0, input_token_details: { audio_tokens: 0, text_tokens: 0 } })],
  ])('token usage of %s (a proxy) is no usage: the reservation is charged, not what the zeros say', async (_name, usage) => {
    const user = freshUser();
    const file = craftOggOpus(60, 60);
    g.openai.audio.registerLength(file.bytes, file.trueSeconds);
    g.openai.audio.enqueue({ text: 'A minute of talk.', usage });
    const i = g.command('transcribe', { audio: { filename: 'zeros.ogg', contentType: 'audio/ogg', data: file.bytes } }, { user });
    await g.settled(i);
    expect(i.transcript()).toEqual(['A minute of talk.']);
    const row = g.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE user_id = ?').get(user.id) as { state: string; reserved: number; charged: number };
    expect(row).toEqual({ state: 'settled', reserved: expect.any(Number), charged: row.reserved });
    // What the fake really billed: 1,000 audio tokens at $6 per 1M and the transcript's output tokens at $10 per 1M.
    const billed = g.openai.audio.billed.at(-1)!.usage as { input_tokens: number; output_tokens: number };
    expect(row.charged).toBeGreaterThanOrEqual(billed.input_tokens * 6 + billed.output_tokens * 10);
  });
});

describe('/transcribe: AAC samples packing several frames (FFmpeg plays each)', () => {
  const AAC_SOURCE = aacSourceOf(new Uint8Array(readFileSync(new URL('../fixtures/audio/aac-mono-8k.m4a', import.meta.url))));
  // 20 samples of 20 real frames each: FFmpeg 5.1 decodes 409,600 samples (51.2 s at 8 kHz) from it; its tables and
  // header say 20 frames, 2.56 s (the same file with one frame a sample decodes to 20,480 samples).
  const packed = (fragmented: boolean) => craftPackedM4a(AAC_SOURCE, 20, 20, { fragmented });

  test.each([false, true])('a member whose limit covers the tables\' 3 s but not the 52 s FFmpeg plays is refused before any OpenAI call (fragmented: %s)', async (fragmented) => {
    const file = packed(fragmented);
    expect([Math.ceil(file.naiveSeconds), Math.ceil(file.trueSeconds)]).toEqual([3, 52]);
    const user = freshUser();
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: whisperMicros(20), updatedBy: 'admin', updatedAt: Date.now() });
    const i = h.command('transcribe', { audio: { filename: 'packed.m4a', contentType: 'audio/mp4', data: file.bytes } }, { user });
    await h.settled(i);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/limit/i) });
    expect(h.openai.audio.requests).toHaveLength(0);
    expect(moneyRows(user.id).filter((row) => row.state !== 'released')).toEqual([]);
  });

  test('a member with room for it is reserved for the 52 s it plays, and the bill fits', async () => {
    const file = packed(false);
    h.openai.audio.registerLength(file.bytes, file.trueSeconds);
    h.openai.audio.enqueue({ text: 'Packed frames.' });
    const user = freshUser();
    const i = h.command('transcribe', { audio: { filename: 'packed.m4a', contentType: 'audio/mp4', data: file.bytes } }, { user });
    await h.settled(i);
    expect(i.transcript()).toEqual(['Packed frames.']);
    const [row] = moneyRows(user.id);
    expect(row).toEqual({ state: 'settled', reserved: expect.any(Number), charged: whisperMicros(52), units: 52 });
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });
});
