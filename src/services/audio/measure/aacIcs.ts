/**
 * individual_channel_stream() (ISO/IEC 14496-3 subpart 4) as FFmpeg's decoder reads it (libavcodec/aac/aacdec.c:
 * ff_aac_decode_ics, decode_ics_info, decode_band_types, decode_scalefactors, decode_pulses, ff_aac_decode_tns,
 * decode_gain_control, decode_spectrum_and_dequant): only where it ends. See aacBlock.ts.
 */
import { Bits, decodeSymbol, huffmanTable } from './aacBits.ts';
import {
  PRED_SFB_MAX, SCALEFACTOR_BITS, SCALEFACTOR_CODES,
  SPECTRAL_BITS, SPECTRAL_CODES, SWB_OFFSET_1024, SWB_OFFSET_120, SWB_OFFSET_128, SWB_OFFSET_960,
} from './aacTables.ts';

/** What the decoder's configuration says, as far as the syntax depends on it (an ADTS header may change it). */
export interface AacConfig {
  objectType: number;
  samplingIndex: number;
  frameLengthShort: boolean;
}

const AOT_MAIN = 1;
const AOT_LC = 2;
export const EIGHT_SHORT = 2;
export const ZERO_BT = 0;
const NOISE_BT = 13;
/** The first noise band's energy is sent as 9 plain bits (NOISE_PRE_BITS). */
const NOISE_PRE_BITS = 9;
/** The largest LTP band count (MAX_LTP_LONG_SFB in FFmpeg). */
const MAX_LTP_LONG_SFB = 40;

export const SCALEFACTORS = huffmanTable(SCALEFACTOR_CODES, SCALEFACTOR_BITS);
/** Per codebook (index = codebook - 1): values per codeword, whether signs follow, and the modulus of each value. */
const CODEBOOK_SHAPE = [
  [4, false, 3], [4, false, 3], [4, true, 3], [4, true, 3], [2, false, 9], [2, false, 9],
  [2, true, 8], [2, true, 8], [2, true, 13], [2, true, 13], [2, true, 17],
] as const;
/** What follows a codeword, found once per symbol: `escapes << 3 | sign bits` (codebook 11's 16 escapes). */
function extraBits(codebook: number, symbol: number): number {
  const [perCode, signed, modulus] = CODEBOOK_SHAPE[codebook]!;
  if (!signed) return 0;
  const values = perCode === 4 ? [(symbol / 27) | 0, ((symbol / 9) | 0) % 3, ((symbol / 3) | 0) % 3, symbol % 3] : [(symbol / modulus) | 0, symbol % modulus];
  const escapes = codebook === 10 ? values.filter((v) => v === 16).length : 0;
  return (escapes << 3) | values.filter((v) => v !== 0).length;
}
const SPECTRAL = SPECTRAL_CODES.map((codes, i) => huffmanTable(codes, SPECTRAL_BITS[i]!, (symbol) => extraBits(i, symbol)));

export class Invalid extends Error {}
/** One instance thrown every time: a new Error captures a stack, and a crafted file fails once a sample, millions of times. */
const INVALID = new Invalid('not an AAC raw_data_block');
export const fail = (): never => {
  throw INVALID;
};

export interface Ics {
  windowSequence: number;
  maxSfb: number;
  groups: number[];
  /** band start offsets, then the window's length: one more entry than there are bands */
  swbOffset: readonly number[];
  predictorPresent: boolean;
}

export function readIcsInfo(r: Bits, config: AacConfig): Ics {
  r.skip(1); // ics_reserved_bit: FFmpeg only warns
  const windowSequence = r.read(2);
  r.skip(1);
  const index = config.samplingIndex;
  const groups = [1];
  let ics: Ics;
  if (windowSequence === EIGHT_SHORT) {
    const maxSfb = r.read(4);
    for (let i = 0; i < 7; i++) {
      if (r.read(1)) groups[groups.length - 1]!++;
      else groups.push(1);
    }
    const short = config.frameLengthShort;
    ics = { windowSequence, maxSfb, groups, swbOffset: (short ? SWB_OFFSET_120 : SWB_OFFSET_128)[index]!, predictorPresent: false };
  } else {
    const maxSfb = r.read(6);
    const short = config.frameLengthShort;
    ics = { windowSequence, maxSfb, groups, swbOffset: (short ? SWB_OFFSET_960 : SWB_OFFSET_1024)[index]!, predictorPresent: r.read(1) === 1 };
    if (ics.predictorPresent) {
      if (config.objectType === AOT_MAIN) {
        if (r.read(1)) {
          const group = r.read(5);
          if (group === 0 || group > 30) fail();
        }
        r.skip(Math.min(maxSfb, PRED_SFB_MAX[index]!));
      } else if (config.objectType === AOT_LC) fail();
      else readLtp(r, maxSfb);
    }
  }
  if (ics.maxSfb >= ics.swbOffset.length) fail();
  return ics;
}

export function readLtp(r: Bits, maxSfb: number): void {
  if (r.read(1)) r.skip(11 + 3 + Math.min(maxSfb, MAX_LTP_LONG_SFB));
}

/** individual_channel_stream(); `common` is the CPE's shared ics_info when it has one. */
export function readIcs(r: Bits, config: AacConfig, common: Ics | undefined): number[] {
  r.skip(8); // global_gain
  const ics = common ?? readIcsInfo(r, config);
  const bandTypes = readSectionData(r, ics);
  readScalefactors(r, bandTypes);
  if (r.read(1)) {
    if (ics.windowSequence === EIGHT_SHORT) fail();
    readPulses(r, ics);
  }
  if (r.read(1)) readTns(r, ics, config);
  if (r.read(1)) readGainControl(r, ics.windowSequence);
  readSpectralData(r, ics, bandTypes);
  return bandTypes;
}

function readSectionData(r: Bits, ics: Ics): number[] {
  const bits = ics.windowSequence === EIGHT_SHORT ? 3 : 5;
  const escape = (1 << bits) - 1;
  const bandTypes: number[] = [];
  for (let g = 0; g < ics.groups.length; g++) {
    let k = 0;
    while (k < ics.maxSfb) {
      let end = k;
      const type = r.read(4);
      if (type === 12) fail();
      let increment: number;
      do {
        increment = r.read(bits);
        end += increment;
        if (r.left() < 0 || end > ics.maxSfb) fail();
      } while (increment === escape);
      for (; k < end; k++) bandTypes.push(type);
    }
  }
  return bandTypes;
}

/** scale_factor_data(): one scalefactor codeword per coded band; the first noise band's energy is 9 plain bits. */
function readScalefactors(r: Bits, bandTypes: number[]): void {
  let noiseFirst = true;
  for (const type of bandTypes) {
    if (type === ZERO_BT) continue;
    if (type === NOISE_BT && noiseFirst) {
      noiseFirst = false;
      r.skip(NOISE_PRE_BITS);
    } else if (decodeSymbol(r, SCALEFACTORS) < 0) fail();
  }
}

function readPulses(r: Bits, ics: Ics): void {
  const count = r.read(2) + 1;
  const swb = r.read(6);
  if (swb >= ics.swbOffset.length - 1) fail();
  const limit = ics.swbOffset[ics.swbOffset.length - 1]!;
  let pos = ics.swbOffset[swb]! + r.read(5);
  if (pos >= limit) fail();
  r.skip(4);
  for (let i = 1; i < count; i++) {
    pos += r.read(5);
    if (pos >= limit) fail();
    r.skip(4);
  }
}

function readTns(r: Bits, ics: Ics, config: AacConfig): void {
  const is8 = ics.windowSequence === EIGHT_SHORT ? 1 : 0;
  const maxOrder = is8 ? 7 : config.objectType === AOT_MAIN ? 20 : 12;
  const windows = is8 ? 8 : 1;
  for (let w = 0; w < windows; w++) {
    const filters = r.read(2 - is8);
    if (!filters) continue;
    const coefRes = r.read(1);
    for (let f = 0; f < filters; f++) {
      r.skip(6 - 2 * is8);
      const order = r.read(5 - 2 * is8);
      if (order > maxOrder) fail();
      if (order) {
        r.skip(1);
        const compress = r.read(1);
        r.skip(order * (coefRes + 3 - compress));
      }
    }
  }
}

/** gain_control_data() as FFmpeg 7 reads it (older versions refuse SSR: they play less, never more). */
const GAIN_MODE = [[1, 0, 5], [2, 1, 2], [8, 0, 2], [2, 1, 5]] as const;
function readGainControl(r: Bits, windowSequence: number): void {
  const [windows, firstShort, bits] = GAIN_MODE[windowSequence]!;
  const bands = r.read(2);
  for (let bd = 0; bd < bands; bd++) {
    for (let wd = 0; wd < windows; wd++) {
      const adjust = r.read(3);
      r.skip(adjust * (4 + (wd === 0 && firstShort ? 4 : bits)));
    }
  }
}

function readSpectralData(r: Bits, ics: Ics, bandTypes: number[]): void {
  let idx = 0;
  for (const groupLength of ics.groups) {
    for (let sfb = 0; sfb < ics.maxSfb; sfb++, idx++) {
      const type = bandTypes[idx]!;
      if (type === ZERO_BT || type >= NOISE_BT) continue;
      const table = SPECTRAL[type - 1]!;
      const codewords = ((ics.swbOffset[sfb + 1]! - ics.swbOffset[sfb]!) / CODEBOOK_SHAPE[type - 1]![0]) * groupLength;
      for (let k = 0; k < codewords; k++) {
        const extra = decodeSymbol(r, table);
        if (extra < 0) fail();
        r.pos += extra & 7; // sign bits
        for (let escapes = extra >> 3; escapes > 0; escapes--) readEscape(r);
      }
    }
  }
}

/** Codebook 11's escape: N ones (at most 8), a zero, then N + 4 bits. */
function readEscape(r: Bits): void {
  const ones = Math.clz32(~(r.peek(9) << 23));
  if (ones > 8) fail();
  r.pos += ones + 1 + ones + 4;
}
