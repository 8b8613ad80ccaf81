/**
 * How many frames FFmpeg's AAC decoder plays from one MP4 sample. Its aac_decode_frame (libavcodec/aac/aacdec.c)
 * returns the bytes its block used, `(bits read + 7) >> 3`, unless the rest of the packet is all zero bytes; for any
 * other rest, decode.c's decode_simple_internal calls it again on that rest, and every call that meets a channel
 * element plays one more frame. A sample packing twenty blocks plays twenty frames. An error ends the packet
 * (decode_simple_internal drops the rest). ER object types are read by aac_decode_er_frame, which skips to the end
 * of the packet: one frame per sample.
 */
import { Bits } from './aacBits.ts';
import { readRawDataBlock, type AacConfig } from './aacBlock.ts';
import type { SampleCounter } from './mp4Walk.ts';

/** AudioSpecificConfig object types FFmpeg decodes with the raw_data_block() syntax (Main, LC, SSR, LTP). */
const BLOCK_OBJECT_TYPES = new Set([1, 2, 3, 4]);
/** ER AAC LC, LTP, LD, ELD: aac_decode_er_frame consumes the whole packet, one frame (of at most 1,024 samples). */
const ER_OBJECT_TYPES = new Set([17, 19, 23, 39]);
/** SBR and PS (HE-AAC v1/v2) signal the core object type after the extension rate. */
const SBR_OBJECT_TYPES = new Set([5, 29]);
/** USAC (xHE-AAC): FFmpeg 7.1+ decodes it through the same consumed-bytes loop; its frame syntax is not read here. */
export const USAC_OBJECT_TYPE = 42;
/**
 * The fewest bytes a call that plays a frame consumes: element type and id (7 bits), global_gain (8), a long
 * ics_info with no bands (11), pulse, TNS and gain-control flags (3), END (3) = 32 bits. Where a sample's blocks
 * can't be followed exactly, `bytes / 4` bounds its frames.
 */
export const MIN_FRAME_BYTES = 4;
/**
 * The most bytes one frame can take: 6,144 bits a channel (ISO 14496-3 4.5.3.1) for FFmpeg's 64 channels. A larger
 * sample is no encoder's single frame: it is bounded by its bytes rather than read, so one huge sample can't hold the
 * event loop (the walk yields only between samples).
 */
const MAX_FRAME_BYTES = 64 * 768;
/** AAC sampling_frequency_index → Hz (ISO 14496-3 Table 1.18). */
export const AAC_RATES = [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];
/** The lowest rate AAC defines: used when a track names none, since a lower rate means a longer play. */
export const LOWEST_AAC_RATE = 7_350;

export interface AacStream {
  /** `blocks`: each sample's raw_data_blocks are read; `er`: one frame a sample; `usac`: not timed here. */
  syntax: 'blocks' | 'er' | 'usac' | 'other';
  config: AacConfig;
  /** Samples a frame decodes to at the core rate (960 when the GASpecificConfig's frameLengthFlag says so). */
  frameSamples: number;
  /** The core rate in Hz (SBR doubles both the rate and the samples: the same seconds). */
  rate: number | undefined;
}

/** AudioSpecificConfig (ISO 14496-3 1.6.2.1, FFmpeg's ff_mpeg4audio_get_config_gb) at byte `p`. */
export function readAudioSpecificConfig(b: Uint8Array, p: number, end: number): AacStream {
  const bits = new Bits(b, p, end); // past `end`, zeros
  const read = (n: number): number => bits.read(n);
  const objectType = (): number => {
    const t = read(5);
    return t === 31 ? 32 + read(6) : t;
  };
  let type = objectType();
  const samplingIndex = read(4);
  const rate = samplingIndex === 15 ? read(24) : AAC_RATES[samplingIndex];
  read(4); // channelConfiguration: the layout, not the syntax, depends on it
  if (SBR_OBJECT_TYPES.has(type)) {
    if (read(4) === 15) read(24);
    type = objectType();
  }
  const frameLengthShort = BLOCK_OBJECT_TYPES.has(type) || ER_OBJECT_TYPES.has(type) ? read(1) === 1 : false;
  const config: AacConfig = { objectType: type, samplingIndex, frameLengthShort };
  const syntax = type === USAC_OBJECT_TYPE ? 'usac' : samplingIndex > 12 ? 'other' : BLOCK_OBJECT_TYPES.has(type) ? 'blocks' : ER_OBJECT_TYPES.has(type) ? 'er' : 'other';
  return { syntax, config, frameSamples: frameLengthShort ? 960 : 1024, rate: rate !== undefined && rate > 0 ? rate : undefined };
}

/** FFmpeg's sample_rate_idx: the rate index it takes for a rate with no configuration (the nearest at or below). */
const RATE_INDEX_FLOORS = [92_017, 75_132, 55_426, 46_009, 37_566, 27_713, 23_004, 18_783, 13_856, 11_502, 9_391];

/** An AAC track with no AudioSpecificConfig: FFmpeg's decoder configured from the entry's rate alone (ff_aac_decode_init). */
export function unconfiguredAac(entryRate: number): AacStream {
  const found = RATE_INDEX_FLOORS.findIndex((floor) => entryRate >= floor);
  const samplingIndex = found < 0 ? 11 : found;
  return { syntax: 'blocks', config: { objectType: 0, samplingIndex, frameLengthShort: false }, frameSamples: 1024, rate: entryRate > 0 ? entryRate : undefined };
}

/**
 * Tallies the frames of one track's samples, in the order FFmpeg decodes them (an ADTS header's change carries on),
 * each of `stream.frameSamples` at the lower of `rate` and any rate an ADTS header inside the samples switches to.
 */
export class AacFrameCounter implements SampleCounter {
  frames = 0;
  /** Seconds of samples bounded by their bytes (see MAX_FRAME_BYTES). */
  private bounded = 0;
  /** The lowest rate index an ADTS header inside a sample switched the decoder to (higher index, lower rate). */
  adtsRateIndex = -1;
  private readonly config: AacConfig;

  constructor(private readonly stream: AacStream, private readonly rate: number) {
    this.config = { ...stream.config };
  }

  seconds(): number {
    // An ADTS header resets the frame length to 1,024.
    return this.bounded + (this.adtsRateIndex >= 0 ? (this.frames * 1024) / Math.min(this.rate, AAC_RATES[this.adtsRateIndex]!) : (this.frames * this.stream.frameSamples) / this.rate);
  }

  /** At most a frame a MIN_FRAME_BYTES, at the lowest rate (an ADTS header in it may switch to any). */
  boundBySize(size: number): number {
    return (Math.max(1, Math.ceil(size / MIN_FRAME_BYTES)) * 1024) / Math.min(this.rate, LOWEST_AAC_RATE);
  }

  missing(): number {
    return this.stream.frameSamples / this.rate;
  }

  /** Adds the frames of the sample at [start, end) of `b` (`end` clipped to the file by the caller). */
  sample(b: Uint8Array, start: number, end: number): void {
    if (this.stream.syntax !== 'blocks') {
      this.frames += 1;
      return;
    }
    if (end - start > MAX_FRAME_BYTES) {
      this.bounded += this.boundBySize(end - start);
      return;
    }
    let at = start;
    for (;;) {
      const block = readRawDataBlock(b, at, end, this.config);
      if (block.ok && block.adtsRateIndex !== undefined) this.adtsRateIndex = Math.max(this.adtsRateIndex, block.adtsRateIndex);
      const next = block.ok ? (block.end + 7) >> 3 : end;
      const restIsZero = isZero(b, next, end);
      if (block.sbr && (!block.ok || !restIsZero)) {
        // An SBR payload may be read past its stated count (FFmpeg's SBR reader goes on, then logs it): where the
        // next block starts is unknown, so this block and every one after are bounded by their bytes.
        this.bounded += this.boundBySize(end - at);
        return;
      }
      if (!block.ok) {
        this.frames += 1; // at most: FFmpeg plays nothing from a failed call and drops the packet's rest
        return;
      }
      if (block.frame) this.frames += 1;
      if (restIsZero) return;
      at = next;
    }
  }
}

function isZero(b: Uint8Array, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (b[i] !== 0) return false;
  return true;
}
