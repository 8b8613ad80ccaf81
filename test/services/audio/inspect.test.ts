import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { inspectAudio, type AudioInspection, type DeclaredAudio } from '../../../src/services/audio/inspect.ts';
import { MAX_TRANSCRIPTION_BYTES } from '../../../src/services/audio/limits.ts';
import { makeWav } from '../../../src/services/audio/wav.ts';

/** Fixtures are real encoder output (see test/fixtures/audio/README.md): 1.5 s tones, so 2 s once rounded up. */
const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/audio/${name}`, import.meta.url)));

/** Bytes from latin1 strings (magic numbers are easiest to read that way) and raw byte lists. */
const bytesOf = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

type Accepted = Extract<AudioInspection, { ok: true }>;

describe('inspectAudio accepts audio the API takes', () => {
  const cases: Array<[string, () => Uint8Array, DeclaredAudio, Partial<Accepted>]> = [
    // The length is measured from the audio itself (WAV: the data present at the format's sample size).
    ['3 s WAV from makeWav', () => makeWav({ seconds: 3 }), {}, { format: 'wav', extension: 'wav', mimeType: 'audio/wav', durationSeconds: 3, durationSource: 'measured' }],
    ['2.2 s WAV rounds up', () => makeWav({ seconds: 2.2, sampleRate: 8000 }), {}, { durationSeconds: 3, durationSource: 'measured' }],
    ['0.1 s WAV is at least 1 s', () => makeWav({ seconds: 0.1, frequency: 0 }), {}, { durationSeconds: 1 }],
    // Discord voice messages are Ogg/Opus named voice-message.ogg: 76 packets of 20 ms = 1.52 s, from their TOC bytes.
    ['Discord voice message', () => fixture('voice.ogg'), { filename: 'voice-message.ogg', contentType: 'audio/ogg' }, { format: 'ogg', extension: 'ogg', mimeType: 'audio/ogg', durationSeconds: 2, durationSource: 'measured' }],
    ['Ogg named .oga keeps .oga', () => fixture('voice.ogg'), { filename: 'Clip.OGA' }, { format: 'ogg', extension: 'oga' }],
    ['Ogg named .mp3 is sent as .ogg', () => fixture('voice.ogg'), { filename: 'clip.mp3', contentType: 'audio/mpeg' }, { format: 'ogg', extension: 'ogg' }],
    ['MP3 behind an ID3 tag', () => fixture('tone.mp3'), { filename: 'tone.mp3' }, { format: 'mp3', extension: 'mp3', mimeType: 'audio/mpeg', durationSeconds: 2, durationSource: 'measured' }],
    ['MP3 named .mpga keeps .mpga', () => fixture('tone.mp3'), { filename: 'x.mpga' }, { format: 'mp3', extension: 'mpga' }],
    ['MP3 without a name', () => fixture('tone.mp3'), {}, { format: 'mp3', extension: 'mp3' }],
    ['WebM/Opus', () => fixture('tone.webm'), {}, { format: 'webm', extension: 'webm', durationSeconds: 2, durationSource: 'measured' }],
    ['M4A brand is sent as .m4a', () => fixture('tone.m4a'), { filename: 'recording' }, { format: 'mp4', extension: 'm4a', mimeType: 'audio/mp4', durationSeconds: 2 }],
    ['M4A named .mp4 keeps .mp4', () => fixture('tone.m4a'), { filename: 'recording.mp4' }, { format: 'mp4', extension: 'mp4' }],
    ['FLAC', () => fixture('tone.flac'), {}, { format: 'flac', extension: 'flac', durationSeconds: 2, durationSource: 'measured' }],
    // Discord's duration_secs raises the reservation when it is longer (within the tolerance), never lowers it.
    ['a longer declared duration wins', () => fixture('voice.ogg'), { durationSecs: 4.2 }, { durationSeconds: 5, durationSource: 'declared' }],
    ['a shorter declared duration does not lower it', () => fixture('voice.ogg'), { durationSecs: 0.5 }, { durationSeconds: 2, durationSource: 'measured' }],
    ['zero declared duration is ignored', () => fixture('voice.ogg'), { durationSecs: 0 }, { durationSeconds: 2, durationSource: 'measured' }],
    ['NaN declared duration is ignored', () => makeWav({ seconds: 3 }), { durationSecs: Number.NaN }, { durationSeconds: 3, durationSource: 'measured' }],
    ['null declared duration is ignored', () => makeWav({ seconds: 3 }), { durationSecs: null }, { durationSource: 'measured' }],
  ];
  test.each(cases)('%s', async (_name, make, declared, expected) => {
    expect(await inspectAudio(make(), declared)).toMatchObject({ ok: true, ...expected });
  });

  test('a WAV whose data size was never filled in (streaming recorders write 0) is measured from the bytes present', async () => {
    const wav = makeWav({ seconds: 2 });
    new DataView(wav.buffer).setUint32(40, 0, true);
    expect(await inspectAudio(wav)).toMatchObject({ ok: true, format: 'wav', durationSeconds: 2, measuredSeconds: 2 });
  });

  test('a WAV whose data size claims more than is there is measured from what is there', async () => {
    const wav = makeWav({ seconds: 2 });
    new DataView(wav.buffer).setUint32(40, 0xfffffff0, true);
    expect(await inspectAudio(wav)).toMatchObject({ ok: true, durationSeconds: 2, measuredSeconds: 2 });
  });
});

describe('inspectAudio refuses anything else, judging by bytes not names', () => {
  const png = bytesOf('\x89PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR', new Array(40).fill(7));
  const cases: Array<[string, Uint8Array, DeclaredAudio, string, RegExp]> = [
    ['empty', new Uint8Array(0), { filename: 'voice-message.ogg', durationSecs: 3 }, 'empty', /empty/],
    ['PNG renamed .ogg', png, { filename: 'voice-message.ogg', contentType: 'audio/ogg', durationSecs: 3 }, 'not-audio', /PNG/],
    ['JPEG renamed .mp3', bytesOf([0xff, 0xd8, 0xff, 0xe0], 'JFIF', new Array(40).fill(1)), { filename: 'a.mp3' }, 'not-audio', /JPEG/],
    ['text file', bytesOf('hello, this is a transcript, not a recording\n'), { filename: 'notes.wav' }, 'not-audio', /text/],
    ['HEIC photo (an ftyp file)', bytesOf([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0], 'mif1heic'), {}, 'not-audio', /image/],
    ['random binary', bytesOf([0, 1, 2, 3, 0xfe, 0x80, 0, 0x99]), {}, 'not-audio', /recognised/],
    ['AIFF', bytesOf('FORM', [0, 0, 0x10, 0], 'AIFFCOMM', [0, 0, 0, 18], new Array(18).fill(0)), { filename: 'a.aiff' }, 'unsupported-format', /AIFF/],
    ['AMR', bytesOf('#!AMR\n', [0x3c, 0x48, 0xf5, 0x1f]), { filename: 'a.amr' }, 'unsupported-format', /AMR/],
    ['Ogg Speex', bytesOf('OggS', [0, 2], new Array(20).fill(0), [1, 80], 'Speex   1.2', new Array(69).fill(0)), {}, 'unsupported-format', /Speex/],
    ['Matroska', bytesOf([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska', [0x42, 0x87, 0x81, 4]), {}, 'unsupported-format', /Matroska/],
    ['raw AAC (ADTS)', bytesOf([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], new Array(20).fill(0)), {}, 'unsupported-format', /AAC/],
    // The OggS magic alone proves nothing; garbage after it must come back as a result, not an exception.
    ['garbage after OggS', bytesOf('OggS\x00\x02', 'garbage garbage garbage garbage garbage garbage'), {}, 'unreadable', /Ogg/],
    ['OggS and nothing else', bytesOf('OggS'), {}, 'unreadable', /Ogg/],
    ['ID3 tag with no audio', bytesOf('ID3', [3, 0, 0, 0, 0, 0, 4], 'TIT2'), {}, 'unreadable', /ID3/],
    ['Opus header only, no audio pages', fixture('voice.ogg').subarray(0, 200), {}, 'unreadable', /ogg/],
  ];
  test.each(cases)('%s', async (_name, bytes, declared, reason, detail) => {
    const result = await inspectAudio(bytes, declared);
    expect(result).toMatchObject({ ok: false, reason });
    expect(!result.ok && result.detail).toMatch(detail);
  });

  test('over 25 MB is too-large, before any parsing', async () => {
    // A valid WAV header on top, so only the size can be the reason.
    const big = new Uint8Array(MAX_TRANSCRIPTION_BYTES + 1);
    big.set(makeWav({ seconds: 0 }));
    expect(await inspectAudio(big, { durationSecs: 60 })).toMatchObject({ ok: false, reason: 'too-large' });
  });
});

describe('inspectAudio never throws on damaged files', () => {
  // Discord uploads can be cut short; every prefix of every fixture must produce a sane result.
  test.each(['voice.ogg', 'tone.mp3', 'tone.webm', 'tone.m4a', 'tone.flac'])('every truncation of %s', async (name) => {
    const whole = fixture(name);
    for (let length = 1; length < whole.length; length += 61) {
      const result = await inspectAudio(whole.subarray(0, length));
      if (result.ok) expect(result.durationSeconds, `${name}[0..${length}]`).toBeGreaterThanOrEqual(1);
      else expect(['not-audio', 'unsupported-format', 'unreadable'], `${name}[0..${length}]`).toContain(result.reason);
    }
  });

  test('seeded byte corruption of the Opus fixture', async () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 40; round++) {
      const damaged = fixture('voice.ogg');
      for (let k = 0; k < 8; k++) damaged[next() % damaged.length] = next() % 256;
      await expect(inspectAudio(damaged)).resolves.toHaveProperty('ok');
    }
  });
});
