import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { inspectAudio, LENGTH_MISMATCH_RATIO, LENGTH_MISMATCH_SLACK_SECONDS } from '../../../src/services/audio/inspect.ts';
import type { AudioFormat } from '../../../src/services/audio/limits.ts';
import { measureAudio } from '../../../src/services/audio/measure/index.ts';
import { makeWav } from '../../../src/services/audio/wav.ts';
import { craftM4a, craftMp3, craftOggOpus, craftWavTwoFormats, craftWebmVorbis, type CraftedAudio } from '../../support/craftedAudio.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/audio/${name}`, import.meta.url)));

describe('measureAudio reads the length from the audio stream', () => {
  // ffprobe's figures are in test/fixtures/audio/README.md; the bound may add an encoder's priming/padding frame.
  test.each<[string, AudioFormat, number, number]>([
    ['voice.ogg', 'ogg', 1.5065, 1.53], // 76 Opus packets of 20 ms
    ['tone.mp3', 'mp3', 1.5673, 1.6], // 61 frames of 576 samples at 22.05 kHz, the Xing frame included
    ['tone.webm', 'webm', 1.508, 1.53],
    ['tone.m4a', 'mp4', 1.5, 1.6], // 34 AAC frames of 1024 samples at 22.05 kHz, priming included
    ['tone.flac', 'flac', 1.5, 1.5],
  ])('%s: at least what ffprobe plays, at most a frame or two more', async (name, format, atLeast, atMost) => {
    const measured = await measureAudio(fixture(name), format);
    expect(measured.ok).toBe(true);
    if (!measured.ok) return;
    expect(measured.upperSeconds).toBeGreaterThanOrEqual(atLeast - 0.001);
    expect(measured.upperSeconds).toBeLessThanOrEqual(atMost);
    expect(measured.lowerSeconds).toBeLessThanOrEqual(measured.upperSeconds);
  });

  const crafted: Array<[string, AudioFormat, (t: number, s: number) => CraftedAudio]> = [['Ogg/Opus', 'ogg', craftOggOpus], ['MP3', 'mp3', craftMp3], ['M4A', 'mp4', craftM4a]];
  test.each(crafted.flatMap(([name, format, craft]) => [[name, format, craft, 60, 1], [name, format, craft, 1, 7200]] as const))(
    '%s holding %i s whatever its header states (%i s)',
    async (_name, format, craft, trueSeconds, statedSeconds) => {
      const file = craft(trueSeconds, statedSeconds);
      const measured = await measureAudio(file.bytes, format);
      expect(measured).toMatchObject({ ok: true });
      if (!measured.ok) return;
      // Never below what a decoder plays; within one frame of it.
      expect(measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds - 1e-9);
      expect(measured.upperSeconds).toBeLessThan(file.trueSeconds + 0.2);
    },
  );

  test('an Ogg file multiplexing a stream whose packets the bot cannot time (Speex) is refused, not guessed', async () => {
    expect(await measureAudio(craftOggOpus(5, 5).bytes, 'ogg')).toMatchObject({ ok: true });
    expect(await measureAudio(craftOggOpus(5, 5, { speexStream: true }).bytes, 'ogg')).toMatchObject({ ok: false, reason: 'unsupported-format' });
  });

  test.each([['0x40', 'AAC'], ['0x67', 'MPEG-2 AAC'], ['0x6b', 'MPEG-1 audio']])('an mp4a entry whose esds names object type %s (%s) is measured', async (hex) => {
    const objectType = Number(hex);
    const file = craftM4a(10, 10);
    const at = file.bytes.findIndex((_, i) => file.bytes[i] === 0x04 && file.bytes[i + 2] === 0x40 && file.bytes[i + 3] === 0x15);
    file.bytes[at + 2] = objectType;
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true });
  });

  test.each([['0xa5', 'AC-3'], ['0xdd', 'Vorbis'], ['0xc1', 'FLAC'], ['0xa9', 'DTS']])('an mp4a entry whose esds names object type %s (%s), which the bot cannot time, is refused, not counted as AAC', async (hex) => {
    const objectType = Number(hex);
    const file = craftM4a(10, 10);
    const at = file.bytes.findIndex((_, i) => file.bytes[i] === 0x04 && file.bytes[i + 2] === 0x40 && file.bytes[i + 3] === 0x15);
    file.bytes[at + 2] = objectType;
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: false, reason: 'unsupported-format', problem: { key: 'unsupported.format', values: { format: `MP4 (mp4a ${hex})` } } });
  });

  test('an mp4a entry holding Opus (esds object type 0xAD) is measured at 120 ms a packet, Opus\'s most, not as AAC', async () => {
    const file = craftM4a(60, 60, 'mp4a-opus');
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured).toMatchObject({ ok: true, lowerSeconds: 0 });
    if (measured.ok) expect(measured.upperSeconds).toBeCloseTo(file.trueSeconds, 6);
  });

  test('an stz2 with a field size of 0 and 2^32 - 1 entries (a crafted file) is read at once, not one byte 2^32 times', async () => {
    const b = craftM4a(60, 60, 'mp4a-mp3').bytes.slice();
    const at = b.findIndex((_, i) => String.fromCharCode(...b.subarray(i, i + 4)) === 'stsz') - 4;
    const view = new DataView(b.buffer);
    // The 20-byte stsz becomes an stz2 of 21 (one entry byte, taken from the stco after it, which the measure never reads).
    view.setUint32(at, 21);
    b.set([0x73, 0x74, 0x7a, 0x32], at + 4);
    view.setUint32(at + 12, 0); // reserved, field size 0
    view.setUint32(at + 16, 0xffff_ffff);
    const started = performance.now();
    const measured = await measureAudio(b, 'mp4');
    // Reading the one byte 2^32 times took over a minute (5 s for 2^28); the box's own bytes take under a millisecond.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(measured).toMatchObject({ ok: true });
  });

  test('WebM with unknown Segment and Cluster sizes (as browsers record it) is measured the same', async () => {
    const webm = fixture('tone.webm');
    const live = webm.slice();
    const at = (id: number[]) => live.findIndex((_, i) => id.every((byte, k) => live[i + k] === byte));
    live.set([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], at([0x18, 0x53, 0x80, 0x67]) + 4); // 8-byte size, all ones
    live.set([0x7f, 0xff], at([0x1f, 0x43, 0xb6, 0x75]) + 4); // 2-byte size, all ones
    const known = await measureAudio(webm, 'webm');
    expect(known).toMatchObject({ ok: true, codec: 'webm/A_OPUS' });
    expect(await measureAudio(live, 'webm')).toEqual(known);
  });

  test('a WAV data chunk claiming less than follows it: the bytes that are no chunk count as audio', async () => {
    const wav = makeWav({ seconds: 4, frequency: 0 });
    new DataView(wav.buffer).setUint32(40, 16_000 * 2, true); // states 1 s; 4 s of samples follow
    const measured = await measureAudio(wav, 'wav');
    expect(measured).toMatchObject({ ok: true, lowerSeconds: 1 });
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(4 - 1e-9);
  });

  test.each(['before', 'after'] as const)('a WAV with a second fmt chunk (%s the data) claiming 384x the bytes a second is measured at the slowest', async (where) => {
    const file = craftWavTwoFormats(60, where);
    expect(await measureAudio(file.bytes, 'wav')).toMatchObject({ ok: true, upperSeconds: expect.closeTo(60, 6) });
  });

  test('M4A/ALAC is timed at the rate of its ALAC cookie, not a faster sample entry', async () => {
    const file = craftM4a(60, 60, 'alac');
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    expect(measured.ok && measured.lowerSeconds).toBeLessThanOrEqual(file.trueSeconds);
  });

  test('WebM/Vorbis is timed at the rate of its Vorbis header, not a faster Matroska SamplingFrequency', async () => {
    const file = craftWebmVorbis(250);
    const measured = await measureAudio(file.bytes, 'webm');
    expect(measured).toMatchObject({ ok: true, codec: 'webm/A_VORBIS' });
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds);
  });

  test('an Ogg page whose CRC is wrong is skipped, as decoders skip it', async () => {
    const file = craftOggOpus(10, 10);
    const damaged = file.bytes.slice();
    damaged[damaged.length - 10] = 0xff - damaged[damaged.length - 10]!; // inside the last page's packets: that page no longer checks
    const whole = await measureAudio(file.bytes, 'ogg');
    const cut = await measureAudio(damaged, 'ogg');
    expect(whole).toMatchObject({ ok: true, upperSeconds: expect.closeTo(10, 5) });
    expect(cut).toMatchObject({ ok: true, upperSeconds: expect.closeTo(8, 5) }); // 500 packets in pages of 200: the last held 100 (2 s)
  });
});

describe('inspectAudio refuses a stated length that contradicts the bytes', () => {
  const cases: Array<[string, () => CraftedAudio]> = [
    ['Ogg/Opus stating 1 s, holding 60 s', () => craftOggOpus(60, 1)],
    ['Ogg/Opus stating 2 h, holding 1 s', () => craftOggOpus(1, 7200)],
    ['MP3 (Xing) stating 1 s, holding 60 s', () => craftMp3(60, 1)],
    ['MP3 (Xing) stating 2 h, holding 1 s', () => craftMp3(1, 7200)],
    ['M4A (mvhd/mdhd) stating 1 s, holding 60 s', () => craftM4a(60, 1)],
    ['M4A (mvhd/mdhd) stating 2 h, holding 1 s', () => craftM4a(1, 7200)],
  ];
  test.each(cases)('%s', async (_name, craft) => {
    const file = craft();
    const result = await inspectAudio(file.bytes);
    expect(result).toMatchObject({ ok: false, reason: 'length-mismatch' });
    if (result.ok || result.reason !== 'length-mismatch') return;
    expect(result.statedSeconds).toBeCloseTo(file.statedSeconds, 0);
    expect(result.measuredSeconds).toBeGreaterThanOrEqual(file.trueSeconds - 1e-9);
  });

  test("Discord's duration_secs is checked too: a 60 s voice message declared as 1 s is refused", async () => {
    expect(await inspectAudio(craftOggOpus(60, 60).bytes, { durationSecs: 1 })).toMatchObject({ ok: false, reason: 'length-mismatch', statedSeconds: 1 });
  });

  test.each([
    ['honest files pass', 60, 60, true],
    ['within the tolerance: stated 1.4x', 20, 28, true],
    ['within the slack: stated 2 s, holds 6 s', 6, 2, true],
    ['outside both', 20, 31, false],
  ] as const)('%s', async (_name, trueSeconds, statedSeconds, accepted) => {
    const result = await inspectAudio(craftOggOpus(trueSeconds, statedSeconds).bytes);
    expect(result.ok).toBe(accepted);
    // Accepted files are reserved for the longer of the two, never the shorter.
    if (result.ok) expect(result.durationSeconds).toBe(Math.ceil(Math.max(trueSeconds, statedSeconds)));
  });

  test('the tolerance constants are what the README describes', () => {
    expect([LENGTH_MISMATCH_RATIO, LENGTH_MISMATCH_SLACK_SECONDS]).toEqual([1.5, 5]);
  });
});
