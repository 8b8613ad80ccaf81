/**
 * MPEG audio (MP3): walk frame by frame from the first byte after the leading ID3v2 tag, each frame's length
 * from its own header (bitrate, sample rate, padding) and its duration from its samples per frame. Xing, Info
 * and VBRI headers (a frame count the encoder, or anyone, wrote) are not read; such a frame counts as the
 * one frame it is. Bytes that are not frames (a trailing tag, junk) are bounded at the lowest bitrate MPEG audio has.
 */
import { Slice } from './slice.ts';
import { Tally, unreadable, type Measurement } from './types.ts';

/** kbit/s by [version 1 or 2][layer 1..3][index]; MPEG-2.5 uses MPEG-2's table. */
const BITRATES: Record<string, number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, number[]> = { 3: [44_100, 48_000, 32_000], 2: [22_050, 24_000, 16_000], 0: [11_025, 12_000, 8_000] };

/** The lowest bitrate MPEG audio can carry (MPEG-2/2.5 Layer II/III, 8 kbit/s): bytes outside frames are bounded by it. */
export const MIN_MPEG_BITS_PER_SECOND = 8_000;

export interface MpegFrame {
  length: number;
  samples: number;
  rate: number;
}

/** The frame whose header starts at `i`, or undefined (free-format frames have no length and are not counted as frames). */
export function mpegFrameAt(b: Uint8Array, i: number): MpegFrame | undefined {
  if (b[i] !== 0xff || i + 4 > b.length) return undefined;
  const b1 = b[i + 1]!;
  const b2 = b[i + 2]!;
  if ((b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3; // 0 = 2.5, 2 = 2, 3 = 1
  const layer = 4 - ((b1 >> 1) & 3); // bits 11 = layer 1
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const kbps = BITRATES[`${version === 3 ? 1 : 2}-${layer}`]![bitrateIndex]!;
  const rate = RATES[version]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const bitrate = kbps * 1000;
  if (layer === 1) return { length: (Math.floor((12 * bitrate) / rate) + padding) * 4, samples: 384, rate };
  const samples = layer === 3 && version !== 3 ? 576 : 1152;
  return { length: Math.floor(((samples / 8) * bitrate) / rate) + padding, samples, rate };
}

/** Where the audio starts: after any ID3v2 tags at the front (their size is in their header; a footer adds 10). */
export function afterId3Tags(b: Uint8Array, start = 0): number {
  let pos = start;
  while (b[pos] === 0x49 && b[pos + 1] === 0x44 && b[pos + 2] === 0x33 && pos + 10 <= b.length) {
    const size = ((b[pos + 6]! & 0x7f) << 21) | ((b[pos + 7]! & 0x7f) << 14) | ((b[pos + 8]! & 0x7f) << 7) | (b[pos + 9]! & 0x7f);
    pos += 10 + size + ((b[pos + 5]! & 0x10) !== 0 ? 10 : 0);
  }
  return pos;
}

/** Yields to the event loop as it goes (25 MB of bytes that are no frames is 25 million steps). */
export async function measureMpeg(b: Uint8Array, start = afterId3Tags(b)): Promise<Measurement> {
  const tally = new Tally();
  const slice = new Slice();
  let frames = 0;
  let stray = 0;
  for (let pos = start; pos < b.length; ) {
    const frame = mpegFrameAt(b, pos);
    if (frame) {
      frames++;
      tally.add(frame.samples / frame.rate);
      pos += frame.length;
    } else {
      stray++;
      pos++;
    }
    const pause = slice.pause();
    if (pause) await pause;
  }
  if (frames === 0) return unreadable('The mp3 file holds no MPEG audio frames; it is truncated or damaged.');
  tally.add(0, (stray * 8) / MIN_MPEG_BITS_PER_SECOND);
  return tally.result('mpeg');
}
