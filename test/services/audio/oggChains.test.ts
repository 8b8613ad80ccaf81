import { describe, expect, test } from 'vitest';
import { measureAudio } from '../../../src/services/audio/measure/index.ts';
import { craftFlac, craftOggFlacChains, craftOggOpus, craftOggVorbisChains, OGG_CHAIN_SERIAL } from '../../support/craftedAudio.ts';

const joined = (...files: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(files));

/** The measured range, asserting the measurement succeeded. */
async function range(bytes: Uint8Array, format: 'ogg' | 'flac'): Promise<{ lower: number; upper: number }> {
  const measured = await measureAudio(bytes, format);
  expect(measured).toMatchObject({ ok: true });
  return measured.ok ? { lower: measured.lowerSeconds, upper: measured.upperSeconds } : { lower: NaN, upper: NaN };
}

describe('Ogg chains on one serial number are timed at least as long as a decoder plays them', () => {
  test('Vorbis: a second chain at 8 kHz with 8,192-sample blocks after one at 48 kHz with 64-sample blocks', async () => {
    // FFmpeg's decoder restarts on the second identification header: its 100 packets play ~51 s. Timed with the first
    // chain's header, they were 0.07 s.
    const file = craftOggVorbisChains([{ rate: 48_000, blockExponent: 6, packets: 10 }, { rate: 8_000, blockExponent: 13, packets: 100 }]);
    const { lower, upper } = await range(file.bytes, 'ogg');
    expect(file.trueSeconds).toBeGreaterThan(50);
    expect(upper).toBeGreaterThanOrEqual(file.trueSeconds);
    expect(lower).toBeLessThanOrEqual(file.trueSeconds);
  });

  test("Vorbis: a decoder that ignores the second header (libvorbis) plays the second chain at the first's blocks", async () => {
    const file = craftOggVorbisChains([{ rate: 8_000, blockExponent: 13, packets: 10 }, { rate: 48_000, blockExponent: 6, packets: 100 }]);
    const { upper } = await range(file.bytes, 'ogg');
    expect(upper).toBeGreaterThanOrEqual((110 - 1) * 4_096 / 8_000);
  });

  test('FLAC: frames stating no rate are bounded by every STREAMINFO of the stream (a chain-following decoder) and FFmpeg', async () => {
    const file = craftOggFlacChains([{ streamRate: 96_000, rateCode: 0, frames: 20 }, { streamRate: 8_000, rateCode: 0, frames: 20 }]);
    const { lower, upper } = await range(file.bytes, 'ogg');
    expect(file.trueSeconds).toBeGreaterThan(11); // 20 frames at 96 kHz, then 20 at 8 kHz
    expect(upper).toBeGreaterThanOrEqual(file.trueSeconds);
    expect(lower).toBeLessThanOrEqual(file.ffmpegSeconds); // FFmpeg keeps the first STREAMINFO: 1.7 s
  });

  test('Opus: chains are timed by their packets, and the granules state the sum of the chains (not the last one)', async () => {
    const file = joined(craftOggOpus(20, 20).bytes, craftOggOpus(30, 30).bytes);
    const measured = await measureAudio(file, 'ogg');
    expect(measured).toMatchObject({ ok: true, statedSeconds: expect.closeTo(50, 3) });
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(50);
  });

  test('a chain of another codec on the same serial is refused, not guessed (FFmpeg decodes it as the first codec)', async () => {
    const opus = craftOggOpus(5, 5, { serial: OGG_CHAIN_SERIAL }).bytes;
    const vorbis = craftOggVorbisChains([{ rate: 8_000, blockExponent: 13, packets: 10 }]).bytes;
    expect(await measureAudio(joined(opus, vorbis), 'ogg')).toMatchObject({ ok: false, reason: 'unsupported-format' });
    expect(await measureAudio(opus, 'ogg')).toMatchObject({ ok: true });
  });

  test('honest single-chain files are timed exactly as before', async () => {
    const vorbis = craftOggVorbisChains([{ rate: 8_000, blockExponent: 12, packets: 250 }]);
    expect(await range(vorbis.bytes, 'ogg')).toEqual({ lower: expect.closeTo((250 * 2_048) / 8_000, 9), upper: expect.closeTo((250 * 2_048) / 8_000, 9) });
    const flac = craftOggFlacChains([{ streamRate: 8_000, rateCode: 0, frames: 30 }]);
    expect(await range(flac.bytes, 'ogg')).toEqual({ lower: expect.closeTo(30 * 0.512, 9), upper: expect.closeTo(30 * 0.512, 9) });
  });
});

describe('FLAC frames stating no rate', () => {
  test('play at the previous frame\'s rate in FFmpeg: one 8 kHz frame, then 20 stating none, under a 96 kHz STREAMINFO', async () => {
    // FFmpeg plays all 21 at 8 kHz (10.75 s); timed at STREAMINFO's rate they were 1.4 s.
    const file = craftFlac(96_000, [4, ...new Array<number>(20).fill(0)]);
    const { lower, upper } = await range(file.bytes, 'flac');
    expect(file.ffmpegSeconds).toBeCloseTo(21 * 0.512, 6);
    expect(upper).toBeGreaterThanOrEqual(file.trueSeconds);
    expect(lower).toBeLessThanOrEqual(file.ffmpegSeconds);
  });

  test.each([
    ['every frame stating its rate', [4, 4, 4, 4]],
    ['every frame stating none', [0, 0, 0, 0]],
    ['the same rate stated, then none', [4, 0, 4, 0]],
  ])('an honest file is exact: %s', async (_name, codes) => {
    expect(await range(craftFlac(8_000, codes).bytes, 'flac')).toEqual({ lower: expect.closeTo(4 * 0.512, 9), upper: expect.closeTo(4 * 0.512, 9) });
  });
});
