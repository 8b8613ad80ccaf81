/**
 * What /transcribe pays for when the answer is not OpenAI's usual JSON: a compatible server that speaks only plain
 * text or verbose_json (no usage), a 200 cut short by a proxy, a 5xx that came after the work may have run. A 200 or
 * a late 5xx may have been billed, so each is charged its reservation (the bound), sent once, never released.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { makeWav } from '../../src/services/audio/wav.ts';
import { BotHarness } from '../support/botHarness.ts';
import type { FakeInteraction } from '../support/fakeDiscord.ts';

const EPHEMERAL = 64;
/** whisper-1: $0.006 a minute = 6,000 micro-dollars, billed by the second. */
const whisperMicros = (seconds: number) => Math.ceil((seconds * 6000) / 60);

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); h.discord.clearRequests(); });

let userSeq = 0;
const freshUser = () => ({ id: `51100000000000${String(++userSeq).padStart(4, '0')}`, username: `caller${userSeq}` });
const moneyRows = (userId: string) => h.bot.ctx.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE user_id = ? ORDER BY id').all(userId);
const privateText = (i: FakeInteraction) => {
  const followUp = i.followUps.at(-1)!;
  return { flags: followUp.flags ?? 0, content: followUp.content };
};
const send = (seconds: number) => {
  const user = freshUser();
  return { user, i: h.command('transcribe', { audio: { filename: 'note.wav', contentType: 'audio/wav', data: makeWav({ seconds }) } }, { user }) };
};

describe('a compatible server that answers in its own shape', () => {
  test.each([
    ['plain text', 'text'],
    ['verbose_json without usage', 'verbose_json'],
  ] as const)('%s: the transcript is shown and, with no usage, its reservation charged', async (_name, answerAs) => {
    h.openai.audio.enqueue({ text: 'Spoken words, answered plainly.', answerAs });
    const { user, i } = send(3);
    await h.settled(i);
    expect(i.transcript()).toEqual(['Spoken words, answered plainly.']);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(3), charged: whisperMicros(3) }]);
  });
});

describe('an answer that may have been billed but carries no transcript', () => {
  test.each([
    ['a JSON body cut short', 'A few words.', 'cut-json'],
    ['a long JSON body cut short (past what the client reads ahead)', 'Many words in a long recording. '.repeat(400), 'cut-json'],
    ['the JSON null', 'A few words.', 'null'],
    ['no body', 'A few words.', 'empty'],
    ['an object without text', 'A few words.', 'no-text'],
  ] as const)('a 200 with %s is sent once and charged its reservation, and the member is told', async (_name, text, answerAs) => {
    h.openai.audio.enqueue({ text, answerAs }, { text: 'never asked for' });
    const { user, i } = send(4);
    await h.settled(i);
    expect(h.openai.audio.requests).toHaveLength(1);
    expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(4), charged: whisperMicros(4) }]);
    expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/couldn't read.* so \$0\.0004 was charged to you/) });
  });

  describe('a 5xx', () => {
    let fastServerErrorMs: number;
    beforeAll(() => { fastServerErrorMs = h.bot.ctx.services.transcription.transcriber.fastServerErrorMs; });
    afterEach(() => { h.bot.ctx.services.transcription.transcriber.fastServerErrorMs = fastServerErrorMs; });

    test('that came after the work may have run (a gateway giving up) is sent once and charged its reservation', async () => {
      h.bot.ctx.services.transcription.transcriber.fastServerErrorMs = 100;
      h.openai.audio.enqueue({ error: 'server_error', status: 502, delayMs: 400 }, { text: 'never asked for' });
      const { user, i } = send(5);
      await h.settled(i);
      expect(h.openai.audio.requests).toHaveLength(1);
      expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(5), charged: whisperMicros(5) }]);
      expect(privateText(i)).toEqual({ flags: EPHEMERAL, content: expect.stringMatching(/answered with an error.* so \$0\.0005 was charged to you/) });
    });

    test('that came at once is still retried, and only the transcript that came back is charged', async () => {
      h.bot.ctx.services.transcription.transcriber.fastServerErrorMs = 5_000;
      h.openai.audio.enqueue({ error: 'server_error', status: 503 }, { text: 'Second try.', duration: 2 });
      const { user, i } = send(2);
      await h.settled(i);
      expect(i.transcript()).toEqual(['Second try.']);
      expect(h.openai.audio.requests).toHaveLength(2);
      expect(moneyRows(user.id)).toEqual([{ state: 'settled', reserved: whisperMicros(2), charged: whisperMicros(2) }]);
    });
  });
});

describe('a 413 for an upload past the service\'s request cap (OpenAI sends it typed "server_error")', () => {
  let small: BotHarness;
  beforeAll(async () => { small = await BotHarness.start({ openai: { maxAudioBytes: 64 * 1024 } }); });
  afterAll(async () => { await small?.close(); });

  test('is a refusal: sent once (never uploaded again), released, nothing charged', async () => {
    const user = freshUser();
    const i = small.command('transcribe', { audio: { filename: 'big.wav', contentType: 'audio/wav', data: makeWav({ seconds: 3 }) } }, { user });
    await small.settled(i);
    expect(small.openai.requestsTo('/v1/audio/transcriptions')).toHaveLength(1);
    const rows = small.bot.ctx.db.prepare('SELECT state, charged_micros AS charged FROM ledger WHERE user_id = ?').all(user.id);
    expect(rows).toEqual([{ state: 'released', charged: 0 }]);
    expect(i.followUps.at(-1)!.flags).toBe(EPHEMERAL);
  });
});
