/**
 * FLAC: every frame header in the file (sync code, valid fields and a matching CRC-8), each adding its own
 * block size at its own sample rate. STREAMINFO's total-samples claim is never read. Scanning every byte,
 * rather than trusting a frame's position, means no frame a decoder would find is missed; a false sync in
 * compressed data (odds about 1 in 16 million bytes) can only add to the bound.
 */
import type { SampleCounter } from './mp4Walk.ts';
import { Slice } from './slice.ts';
import { Tally, u16be, unreadable, type Measurement } from './types.ts';

const RATES = [0, 88_200, 176_400, 192_000, 8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000];

const CRC8 = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let k = 0; k < 8; k++) r = r & 0x80 ? ((r << 1) ^ 0x07) & 0xff : (r << 1) & 0xff;
    table[i] = r;
  }
  return table;
})();

/** The sample rate in a STREAMINFO block whose data starts at `at` (20 bits from its 11th byte). */
export function flacStreamRate(b: Uint8Array, at: number): number {
  return ((b[at + 10] ?? 0) << 12) | ((b[at + 11] ?? 0) << 4) | ((b[at + 12] ?? 0) >> 4);
}

/**
 * A frame header at `i` (RFC 9639 §9.1), or undefined when the bytes there are not one. `rate` is 0 for a frame
 * that states none (rate code 0): which rate it plays at is the decoder's choice (see FlacClock).
 */
export function flacFrameHeader(b: Uint8Array, i: number): { blockSize: number; rate: number; length: number } | undefined {
  if (b[i] !== 0xff || ((b[i + 1] ?? 0) & 0xfe) !== 0xf8 || i + 5 > b.length) return undefined;
  const blockCode = b[i + 2]! >> 4;
  const rateCode = b[i + 2]! & 0x0f;
  const channels = b[i + 3]! >> 4;
  const depth = (b[i + 3]! >> 1) & 7;
  if (blockCode === 0 || rateCode === 15 || channels > 10 || depth === 3 || (b[i + 3]! & 1) !== 0) return undefined;
  let p = i + 4;
  // The frame or sample number, UTF-8 style: 1 to 7 bytes.
  const first = b[p]!;
  const extra = first < 0x80 ? 0 : first >= 0xc0 && first < 0xff ? Math.clz32(~(first << 24)) - 1 : -1;
  if (extra < 0) return undefined;
  for (let k = 1; k <= extra; k++) if (((b[p + k] ?? 0) & 0xc0) !== 0x80) return undefined;
  p += 1 + extra;
  let blockSize: number;
  if (blockCode === 1) blockSize = 192;
  else if (blockCode <= 5) blockSize = 576 << (blockCode - 2);
  else if (blockCode === 6) blockSize = (b[p++] ?? 0) + 1;
  else if (blockCode === 7) {
    blockSize = u16be(b, p) + 1;
    p += 2;
  } else blockSize = 256 << (blockCode - 8);
  // Rate code 0 states none; FFmpeg takes a stated 0 (codes 12-14) as none too (fi.samplerate == 0 in flacdec.c).
  let rate: number;
  if (rateCode <= 11) rate = RATES[rateCode]!;
  else if (rateCode === 12) rate = (b[p++] ?? 0) * 1000;
  else {
    rate = u16be(b, p) * (rateCode === 14 ? 10 : 1);
    p += 2;
  }
  if (p >= b.length) return undefined;
  let crc = 0;
  for (let k = i; k < p; k++) crc = CRC8[crc ^ b[k]!]!;
  return crc === b[p] ? { blockSize, rate, length: p + 1 - i } : undefined;
}

/**
 * The rate each frame plays at. A frame stating its rate plays at it. One stating none plays at the previous frame's
 * rate in FFmpeg (libavcodec/flacdec.c keeps the last frame's, STREAMINFO's until then) but at STREAMINFO's in
 * libFLAC, and at a chained Ogg stream's newer STREAMINFO in a decoder that follows chains: such a frame is bounded
 * by the slowest of those rates above and the fastest below.
 */
export class FlacClock {
  /** The lowest and highest STREAMINFO rate seen (only these bound a frame: a crafted chain may hold a million). */
  private slowestStream = Infinity;
  private fastestStream = 0;
  private previousRate = 0;

  streamInfo(rate: number): void {
    if (rate <= 0) return;
    this.slowestStream = Math.min(this.slowestStream, rate);
    this.fastestStream = Math.max(this.fastestStream, rate);
  }

  add(tally: Tally, frame: { blockSize: number; rate: number }): void {
    if (frame.rate > 0) {
      this.previousRate = frame.rate;
      return tally.add(frame.blockSize / frame.rate);
    }
    const previous = this.previousRate > 0 ? this.previousRate : undefined;
    const slowest = Math.min(this.slowestStream, previous ?? Infinity);
    const fastest = Math.max(this.fastestStream, previous ?? 0);
    // No rate anywhere: every decoder refuses the frame ("sample rate not found in STREAMINFO or frame header").
    if (fastest > 0) tally.add(frame.blockSize / fastest, frame.blockSize / slowest);
  }
}

/**
 * Counts every frame header in `bytes` from `from` on, at its rate (FlacClock). A promise to await when it had to yield
 * to the event loop part way (`slice`: a 25 MB file of frames took ~120 ms in one piece), else undefined.
 */
export function countFlacFrames(bytes: Uint8Array, clock: FlacClock, tally: Tally, slice: Pick<Slice, 'pause'>, from = 0): Promise<void> | undefined {
  for (let i = bytes.indexOf(0xff, from); i >= 0; ) {
    const frame = flacFrameHeader(bytes, i);
    if (frame) clock.add(tally, frame);
    i = bytes.indexOf(0xff, frame ? i + frame.length : i + 1);
    const pause = slice.pause();
    if (pause) return i < 0 ? pause : pause.then(() => countFlacFrames(bytes, clock, tally, slice, i));
  }
  return undefined;
}

export async function measureFlac(b: Uint8Array, start = 0): Promise<Measurement> {
  let pos = start + 4; // after "fLaC"
  const clock = new FlacClock();
  for (;;) {
    if (pos + 4 > b.length) return unreadable('The flac file ends inside its metadata; it is truncated or damaged.');
    const header = b[pos]!;
    const length = ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
    if ((header & 0x7f) === 0) clock.streamInfo(flacStreamRate(b, pos + 4));
    pos += 4 + length;
    if (header & 0x80) break;
  }
  const tally = new Tally();
  if (pos < b.length) await countFlacFrames(b, clock, tally, new Slice(), pos);
  if (tally.upper === 0) return unreadable('The flac file holds no audio frames; it is truncated or damaged.');
  return tally.result('flac');
}

/** The fewest bytes a FLAC frame takes (FFmpeg's FLAC_MIN_FRAME_SIZE): a sample holds at most size / 11 frames. */
const MIN_FRAME_BYTES = 11;
/** The largest block a frame header can state, at the lowest rate one can (1 Hz): the bound from bytes alone. */
const MAX_BLOCK_SECONDS = 65_536;

/** Never yields: for a scan whose caller yields between calls. */
const UNSLICED: Pick<Slice, 'pause'> = { pause: () => undefined };

/**
 * FLAC in MP4 ('fLaC' entry): FFmpeg's flac_decode_frame returns the bytes its frame used and decode.c calls it again
 * on the packet's rest, so every frame in a sample plays. Each frame header in the sample's bytes is counted, at its
 * own rate (one stating none bounded by the dfLa STREAMINFO's and the previous frame's: FlacClock), as measureFlac
 * counts a .flac file's.
 */
export class FlacSampleCounter implements SampleCounter {
  private readonly clock = new FlacClock();
  private readonly tally = new Tally();

  constructor(streamRate: number, private readonly entrySeconds: number) {
    this.clock.streamInfo(streamRate);
  }

  sample(b: Uint8Array, start: number, end: number): void {
    // A header is read within its packet, as FFmpeg sees it; the MP4 walk yields between samples itself.
    void countFlacFrames(b.subarray(start, end), this.clock, this.tally, UNSLICED);
  }

  seconds(): number {
    return this.tally.upper;
  }

  boundBySize(size: number): number {
    return Math.max(1, Math.ceil(size / MIN_FRAME_BYTES)) * MAX_BLOCK_SECONDS;
  }

  missing(): number {
    return this.entrySeconds;
  }
}
