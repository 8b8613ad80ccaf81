import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Bits, decodeSymbol, huffmanTable } from '../../../src/services/audio/measure/aacBits.ts';
import { readRawDataBlock } from '../../../src/services/audio/measure/aacBlock.ts';
import { SCALEFACTOR_BITS, SCALEFACTOR_CODES, SPECTRAL_BITS, SPECTRAL_CODES } from '../../../src/services/audio/measure/aacTables.ts';
import { AacFrameCounter, readAudioSpecificConfig } from '../../../src/services/audio/measure/aacFrames.ts';
import { measureAudio } from '../../../src/services/audio/measure/index.ts';
import { SAMPLE_COST, WALK_BUDGET } from '../../../src/services/audio/measure/mp4Walk.ts';
import { MAX_TRANSCRIPTION_BYTES } from '../../../src/services/audio/limits.ts';
import { turnsWhileMeasuring } from '../../support/measureTurns.ts';
import { aacSourceOf, craftLargestHonestM4a, craftOneByteSamplesM4a, craftPackedM4a, flacSourceOf } from '../../support/craftedAac.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/audio/${name}`, import.meta.url)));
const MONO = aacSourceOf(fixture('aac-mono-8k.m4a'));

describe('AAC in MP4 is timed by the frames FFmpeg plays in each sample', () => {
  // Packets from `ffprobe -count_packets`; FFmpeg 5.1 decodes exactly packets x 1,024 samples from each (see the README).
  test.each([
    ['aac-mono-8k.m4a', 17, 8_000], // SCE
    ['aac-stereo-44k.m4a', 45, 44_100], // CPE, common window, M/S
    ['aac-51-48k.m4a', 25, 48_000], // SCE, CPE, CPE, LFE
  ])('%s (FFmpeg\'s encoder): %i frames, no more, at %i Hz', async (name, packets, rate) => {
    expect(await measureAudio(fixture(name), 'mp4')).toEqual({ ok: true, lowerSeconds: (packets * 1024) / rate, upperSeconds: (packets * 1024) / rate, codec: 'mp4' });
  });

  test.each(['aac-mono-8k.m4a', 'aac-stereo-44k.m4a', 'aac-51-48k.m4a'])('every raw_data_block of %s is read to its END, ending where its sample ends', (name) => {
    const source = aacSourceOf(fixture(name));
    const stream = readAudioSpecificConfig(source.asc, 0, source.asc.length);
    expect(stream.syntax).toBe('blocks');
    for (const frame of source.frames) {
      const block = readRawDataBlock(frame, 0, frame.length, { ...stream.config });
      expect(block).toMatchObject({ ok: true, frame: true, sbr: false });
      expect(block.ok && (block.end + 7) >> 3).toBe(frame.length);
    }
  });

  test.each([false, true])('a crafted M4A packing 20 real frames in each sample is measured 20x (fragmented: %s)', async (fragmented) => {
    // FFmpeg 5.1 decodes 204,800 samples (25.6 s) from this file, and 10,240 from it with one frame a sample.
    const file = craftPackedM4a(MONO, 10, 20, { fragmented });
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured).toMatchObject({ ok: true, upperSeconds: file.trueSeconds });
    expect(file.trueSeconds).toBeCloseTo(25.6, 9);
    expect(measured.ok && measured.lowerSeconds).toBeCloseTo(file.naiveSeconds, 9);
  });

  test("a fragment whose tfhd names a track with no trex: FFmpeg reads its samples for the previous tfhd's track, and so does the bot", async () => {
    // mov_read_tfhd returns early ("could not find corresponding trex"): the trun's 200 frames play as track 1's.
    const file = craftPackedM4a(MONO, 10, 20, { fragmented: true, strayTfhd: true });
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds);
  });

  test('an esds with no AudioSpecificConfig: FFmpeg still reads the blocks (object type 0, rate from the entry), and so does the bot', async () => {
    // FFmpeg 5.1 decodes 204,800 samples (25.6 s) from this file too.
    const file = craftPackedM4a({ ...MONO, asc: new Uint8Array(0) }, 10, 20);
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 9) });
  });

  test('two sample entries (chunks may switch configuration): samples bounded by their bytes, never below what plays', async () => {
    // FFmpeg 5.1 decodes 204,800 samples (25.6 s); each sample is bounded at a frame per 4 bytes at 7.35 kHz.
    const file = craftPackedM4a(MONO, 10, 20, { entries: 2 });
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds);
  });

  test('samples padded with zero bytes count one frame each (FFmpeg takes an all-zero rest as consumed)', async () => {
    const file = craftPackedM4a(MONO, 10, 1, { tail: [0, 0, 0, 0, 0, 0, 0] });
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true, upperSeconds: file.naiveSeconds });
  });

  test('bytes after a frame that are no block count one frame at most (FFmpeg errs there and drops the rest)', async () => {
    const file = craftPackedM4a(MONO, 10, 1, { tail: [0x55, 0xaa, 0x12] });
    // FFmpeg decodes 10,240 samples from it (1.28 s); the bound allows the failed block one frame.
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true, upperSeconds: 2 * file.naiveSeconds });
  });

  test('a sample of garbage counts one frame at most', async () => {
    const garbage = { ...MONO, frames: [Uint8Array.from({ length: 40 }, (_, i) => (i * 97 + 13) & 0xff)] };
    const file = craftPackedM4a(garbage, 10, 1);
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeLessThanOrEqual(file.naiveSeconds + 1e-9);
  });

  test('frames behind an ADTS header naming 7.35 kHz are timed at 7.35 kHz, as the header switches FFmpeg\'s decoder', async () => {
    // ADTS: sync, MPEG-4, no CRC; LC, rate index 12 (7,350 Hz), mono; the frame's length; buffer fullness 0x7ff, one block.
    const adts = (frame: Uint8Array): Uint8Array => {
      const length = frame.length + 7;
      return Uint8Array.from([0xff, 0xf1, (1 << 6) | (12 << 2), (1 << 6) | (length >> 11), (length >> 3) & 0xff, ((length & 7) << 5) | 0x1f, 0xfc, ...frame]);
    };
    const file = craftPackedM4a({ ...MONO, frames: MONO.frames.map(adts) }, 10, 1);
    // FFmpeg 5.1 decodes 10,240 samples from it and reports 7,350 Hz: 1.393 s, not the 1.28 s the esds's 8 kHz says.
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true, upperSeconds: expect.closeTo((10 * 1024) / 7_350, 9) });
  });

  test('a block whose SBR payload other blocks follow: the rest of the sample is bounded by its bytes (FFmpeg\'s SBR reader may run past its count)', async () => {
    // Each frame rewritten with a FIL element before its END: count 2, extension type 13 (SBR), 12 bits of payload.
    const withSbr = (frame: Uint8Array): Uint8Array => {
      const block = readRawDataBlock(frame, 0, frame.length, { objectType: 2, samplingIndex: 11, frameLengthShort: false });
      if (!block.ok) throw new Error('fixture frame unreadable');
      const bits: number[] = [];
      for (let i = 0; i < block.end - 3; i++) bits.push((frame[i >> 3]! >> (7 - (i & 7))) & 1);
      const put = (value: number, n: number) => { for (let k = n - 1; k >= 0; k--) bits.push((value >> k) & 1); };
      put(6, 3); put(2, 4); put(13, 4); put(0xabc, 12); put(7, 3);
      while (bits.length % 8) bits.push(0);
      return Uint8Array.from({ length: bits.length / 8 }, (_, i) => bits.slice(8 * i, 8 * i + 8).reduce((v, bit) => v * 2 + bit, 0));
    };
    const sbr = { ...MONO, frames: MONO.frames.map(withSbr) };
    const alone = await measureAudio(craftPackedM4a(sbr, 10, 1).bytes, 'mp4');
    expect(alone).toMatchObject({ ok: true, upperSeconds: expect.closeTo((10 * 1024) / 8_000, 9) }); // one block a sample: exact
    const packed = craftPackedM4a(sbr, 10, 3);
    const measured = await measureAudio(packed.bytes, 'mp4');
    // Each sample bounded at a frame per 4 bytes, at AAC's lowest rate (an ADTS header further on could switch to it).
    const sizes = Array.from({ length: 10 }, (_, s) => [0, 1, 2].reduce((n, k) => n + sbr.frames[(3 * s + k) % sbr.frames.length]!.length, 0));
    const bound = sizes.reduce((sum, size) => sum + (Math.ceil(size / 4) * 1024) / 7_350, 0);
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(bound, 6) });
    expect(bound).toBeGreaterThan(packed.trueSeconds);
  });

  test('an xHE-AAC (USAC) track is refused: its frames are not read here, and FFmpeg 7.1+ would play every one in a sample', async () => {
    const usac = { ...MONO, asc: Uint8Array.of(0xf9, 0x56, 0x20) }; // object type 31, then 10 (42), rate index 11, mono
    const measured = await measureAudio(craftPackedM4a(usac, 10, 1).bytes, 'mp4');
    expect(measured).toMatchObject({ ok: false, reason: 'unsupported-format', problem: { key: 'unsupported.format', values: { format: 'MP4 (xHE-AAC)' } } });
  });

  test('ER AAC LD: one frame a sample, whatever it holds (aac_decode_er_frame skips to the packet\'s end)', async () => {
    const ld = { ...MONO, asc: Uint8Array.of(0xb9, 0x88, 0x00) }; // object type 23, rate index 3 (48 kHz), mono
    const file = craftPackedM4a(ld, 10, 5);
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeCloseTo(file.naiveSeconds, 9);
  });
});

describe('the Huffman tables', () => {
  const books = [[SCALEFACTOR_CODES, SCALEFACTOR_BITS], ...SPECTRAL_CODES.map((codes, i) => [codes, SPECTRAL_BITS[i]!] as const)] as const;
  test.each(books.map((book, i) => [i === 0 ? 'scalefactors' : `spectral ${i}`, book] as const))('%s: a complete prefix code, each codeword read back as its symbol', (_name, [codes, bits]) => {
    expect(codes.reduce((sum, _c, i) => sum + 2 ** -bits[i]!, 0)).toBe(1);
    const table = huffmanTable(codes, bits);
    codes.forEach((code, symbol) => {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, (code << (32 - bits[symbol]!)) >>> 0);
      const r = new Bits(bytes, 0, 4);
      expect(decodeSymbol(r, table)).toBe(symbol);
      expect(r.pos).toBe(bits[symbol]);
    });
  });
});

describe('FLAC in MP4 is timed by every frame in each sample (flac_decode_frame returns the bytes it used)', () => {
  // FFmpeg's encoder: 14 samples, one frame each; FFmpeg decodes 8,000 samples (1 s at 8 kHz) from it.
  const FLAC = flacSourceOf(fixture('flac-mono-8k.mp4'), 8_000);

  test('FFmpeg\'s file: what its frame headers hold, 1 s', async () => {
    expect(await measureAudio(fixture('flac-mono-8k.mp4'), 'mp4')).toMatchObject({ ok: true, upperSeconds: expect.closeTo(1, 9) });
  });

  test.each([false, true])('a crafted file packing 10 of its frames in each sample is measured 10x (fragmented: %s)', async (fragmented) => {
    // 14 samples of 10 frames (the 14 frames in turn): FFmpeg 5.1 decodes 80,000 samples, 10 s, from it on one thread
    // (`-threads 1`, as a server may run it); with frame threads it keeps one frame a packet (8,064 samples).
    const file = craftPackedM4a(FLAC, 14, 10, { fragmented });
    expect(await measureAudio(file.bytes, 'mp4')).toMatchObject({ ok: true, upperSeconds: expect.closeTo(10, 9) });
  });
});

describe('the walk over an M4A\'s samples', () => {
  test('lets the event loop run between slices (a 3 MB file)', async () => {
    const file = craftPackedM4a(MONO, 150, 80); // 12,000 frames of ~265 bytes, 3.2 MB
    const { turns: ticks, measured } = await turnsWhileMeasuring(file.bytes, 'mp4', { fakeClock: false });
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    // About 110 ms of CPU here (2 cores under load): many slices of at most ~8 ms each.
    expect(ticks).toBeGreaterThan(2);
  });

  test('a sample larger than any one frame can be (200 real frames, 53 KB) is bounded by its bytes, not read', async () => {
    const file = craftPackedM4a(MONO, 2, 200);
    const measured = await measureAudio(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds);
  });

  test('a table listing 2^32 - 1 samples over the same few bytes is bounded in closed form, not walked one by one', async () => {
    const b = craftPackedM4a(MONO, 10, 1).bytes.slice();
    const at = (type: string) => b.findIndex((_, i) => String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!) === type) + 4;
    const view = new DataView(b.buffer);
    view.setUint32(at('stsz') + 4, 8); // every sample 8 bytes...
    view.setUint32(at('stsz') + 8, 0xffff_ffff); // ...and 2^32 - 1 of them
    view.setUint32(at('stsc') + 12, 0xffff_ffff); // all in the one chunk
    const started = performance.now();
    const measured = await measureAudio(b, 'mp4');
    expect(performance.now() - started).toBeLessThan(1_000);
    // At least one frame a sample: over 500,000 days at 8 kHz.
    expect(measured.ok && measured.upperSeconds).toBeGreaterThan((0xffff_ffff * 1024) / 8_000);
  });
});

/**
 * Counts AacFrameCounter.sample calls. vi.spyOn also kept every call's arguments and result: hundreds of thousands of
 * them doubled the 1-byte-samples test's CPU (2 -> 4.6 s), which timed out at load 20.
 */
function countSampleReads(): { calls: number; restore: () => void } {
  const original = AacFrameCounter.prototype.sample;
  const counter = { calls: 0, restore: () => { AacFrameCounter.prototype.sample = original; } };
  AacFrameCounter.prototype.sample = function sample(this: AacFrameCounter, ...args: Parameters<typeof original>) {
    counter.calls += 1;
    return original.apply(this, args);
  };
  return counter;
}

/** For the two 25 MB files: 1-4 s of CPU each, so a machine loaded 20 deep takes a minute; only a runaway walk takes this. */
const LARGE_FILE_TIMEOUT_MS = 180_000;

describe('the work one M4A may cost is bounded (WALK_BUDGET), counted in samples read', () => {
  const STEREO = aacSourceOf(fixture('aac-stereo-44k.m4a'));
  let reads: ReturnType<typeof countSampleReads> | undefined;
  afterEach(() => {
    reads?.restore();
    reads = undefined;
    vi.restoreAllMocks();
  });

  test('a 25 MB table of 1-byte samples stops being read one by one at the budget and is bounded by its sizes', async () => {
    // Read one by one, the walk went on to its 48-hour ceiling: 7.4 million samples at 44.1 kHz, 5-7 s of CPU.
    reads = countSampleReads();
    const measured = await measureAudio(craftOneByteSamplesM4a(STEREO, 25_000_000), 'mp4');
    expect(reads.calls).toBeGreaterThan(0);
    expect(reads.calls).toBeLessThanOrEqual(Math.ceil(WALK_BUDGET / (SAMPLE_COST + 1)));
    // The rest is still bounded, generously: at least a frame for each of the 2^32 - 1 samples listed.
    expect(measured.ok && measured.upperSeconds).toBeGreaterThan((0xffff_ffff * 1024) / 44_100);
  }, LARGE_FILE_TIMEOUT_MS);

  test('the largest honest file (25 MB of real AAC frames, one a sample) is read to its end, under the budget', async () => {
    const file = craftLargestHonestM4a(STEREO, MAX_TRANSCRIPTION_BYTES);
    reads = countSampleReads();
    const measured = await measureAudio(file.bytes, 'mp4');
    // Every sample read, none bounded by its size (that would count ~24 frames for each at 7,350 Hz, far more).
    expect(reads.calls).toBe(file.samples);
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    // Its work (bytes plus SAMPLE_COST a sample) leaves the budget at least a third unspent.
    expect(file.bytes.length + file.samples * SAMPLE_COST).toBeLessThan((WALK_BUDGET * 2) / 3);
  }, LARGE_FILE_TIMEOUT_MS);

  test('a table bounded by its sizes (two sample entries: ~1 million sizes) yields as it goes, as do its stsz sums', async () => {
    // Zero-byte samples, so building the file is quick; the sizes are still read one by one, twice.
    const file = craftPackedM4a(STEREO, 1_000_000, 0, { entries: 2 });
    const { turns: ticks, measured } = await turnsWhileMeasuring(file.bytes, 'mp4');
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual((1_000_000 * 1024) / 44_100);
    // Every 256 sizes the clock is read; 2,000,000 sizes read (the stsz sum, then the bound) yield ~870 times.
    expect(ticks).toBeGreaterThan(500);
  }, 60_000);
});
