/**
 * Where one AAC raw_data_block() ends (ISO/IEC 14496-3 subpart 4 syntax), read as FFmpeg's decoder reads it:
 * libavcodec/aac/aacdec.c (aacdec_template.c before 7.1) aac_decode_frame_int, ff_aac_decode_ics, decode_ics_info,
 * decode_band_types, decode_scalefactors, decode_pulses, ff_aac_decode_tns, decode_gain_control, decode_cpe,
 * decode_cce, decode_pce, skip_data_stream_element, decode_extension_payload, and decode_spectrum_and_dequant.
 * Only the syntax is followed (no dequantisation, no IMDCT). It errs only where FFmpeg errs on the syntax itself;
 * checks that depend on decoder state (channel layout, duplicate elements) are left out, so it never stops
 * earlier than FFmpeg: at worst it finds more frames than FFmpeg plays, never fewer.
 */
import { Bits, decodeSymbol, huffmanTable } from './aacBits.ts';
import {
  NUM_SWB_1024, NUM_SWB_120, NUM_SWB_128, NUM_SWB_960, PRED_SFB_MAX, SCALEFACTOR_BITS, SCALEFACTOR_CODES,
  SPECTRAL_BITS, SPECTRAL_CODES, SWB_OFFSET_1024, SWB_OFFSET_120, SWB_OFFSET_128, SWB_OFFSET_960,
} from './aacTables.ts';

/** What the decoder's configuration says, as far as the syntax depends on it (an ADTS header may change it). */
export interface AacConfig {
  objectType: number;
  samplingIndex: number;
  frameLengthShort: boolean;
}

export type BlockResult =
  /** `frame`: a channel element was present, so the call outputs a frame; `end`: the bit after END. */
  | { ok: true; frame: boolean; end: number; sbr: boolean; adtsRateIndex?: number }
  /** `sbr`: an SBR payload came before the failure, whose real length (FFmpeg's SBR reader may overrun its count) is unknown. */
  | { ok: false; sbr: boolean };

const AOT_MAIN = 1;
const AOT_LC = 2;
const EIGHT_SHORT = 2;
const [SCE, CPE, CCE, LFE, DSE, PCE, FIL, END] = [0, 1, 2, 3, 4, 5, 6, 7];
const ZERO_BT = 0;
const NOISE_BT = 13;
/** The first noise band's energy is sent as 9 plain bits (NOISE_PRE_BITS). */
const NOISE_PRE_BITS = 9;
/** The largest LTP band count (MAX_LTP_LONG_SFB in FFmpeg). */
const MAX_LTP_LONG_SFB = 40;
/** FIL extension payload types (Table 4.121) that FFmpeg reads by their own syntax. */
const EXT_DYNAMIC_RANGE = 11;
const EXT_SBR_DATA = 13;
const EXT_SBR_DATA_CRC = 14;

const SCALEFACTORS = huffmanTable(SCALEFACTOR_CODES, SCALEFACTOR_BITS);
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

class Invalid extends Error {}
const fail = (): never => {
  throw new Invalid();
};

interface Ics {
  windowSequence: number;
  maxSfb: number;
  groups: number[];
  swbOffset: readonly number[];
  numSwb: number;
  predictorPresent: boolean;
}

/**
 * Reads one call of FFmpeg's decoder at byte `start` of a sample ending at `endByte`: an optional ADTS header,
 * then elements up to END. `config` is updated as an ADTS header updates FFmpeg's.
 */
export function readRawDataBlock(b: Uint8Array, start: number, endByte: number, config: AacConfig): BlockResult {
  const r = new Bits(b, start, endByte);
  const state = { sbr: false, channel: false };
  try {
    let adtsRateIndex: number | undefined;
    if (r.peek(12) === 0xfff) adtsRateIndex = readAdtsHeader(r, config);
    for (let type = r.read(3); type !== END; type = r.read(3)) {
      let id = r.read(4);
      if (type === SCE || type === LFE) readIcs(r, config, undefined);
      else if (type === CPE) readCpe(r, config);
      else if (type === CCE) readCce(r, config);
      else if (type === DSE) readDse(r);
      else if (type === PCE) readPce(r);
      else if (type === FIL) {
        if (id === 15) id += r.read(8) - 1;
        if (r.left() < 8 * id) fail();
        while (id > 0) id -= readExtension(r, id, state);
      }
      if (type < DSE) state.channel = true;
      if (r.left() < 3) fail();
    }
    return { ok: true, frame: state.channel, end: r.pos, sbr: state.sbr, ...(adtsRateIndex === undefined ? {} : { adtsRateIndex }) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, sbr: state.sbr };
    throw error;
  }
}

/** ADTS fixed and variable header (FFmpeg's ff_adts_header_parse, parse_adts_frame_header); returns its rate index. */
function readAdtsHeader(r: Bits, config: AacConfig): number {
  r.skip(12 + 1 + 2);
  const crcAbsent = r.read(1);
  const profile = r.read(2);
  const rateIndex = r.read(4);
  if (rateIndex > 12) fail();
  r.skip(1 + 3 + 1 + 1 + 1 + 1);
  if (r.read(13) < 7) fail();
  r.skip(11 + 2);
  if (!crcAbsent) r.skip(16);
  Object.assign(config, { objectType: profile + 1, samplingIndex: rateIndex, frameLengthShort: false });
  return rateIndex;
}

function readIcsInfo(r: Bits, config: AacConfig): Ics {
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
    ics = { windowSequence, maxSfb, groups, swbOffset: (short ? SWB_OFFSET_120 : SWB_OFFSET_128)[index]!, numSwb: (short ? NUM_SWB_120 : NUM_SWB_128)[index]!, predictorPresent: false };
  } else {
    const maxSfb = r.read(6);
    const short = config.frameLengthShort;
    ics = { windowSequence, maxSfb, groups, swbOffset: (short ? SWB_OFFSET_960 : SWB_OFFSET_1024)[index]!, numSwb: (short ? NUM_SWB_960 : NUM_SWB_1024)[index]!, predictorPresent: r.read(1) === 1 };
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
  if (ics.maxSfb > ics.numSwb) fail();
  return ics;
}

function readLtp(r: Bits, maxSfb: number): void {
  if (r.read(1)) r.skip(11 + 3 + Math.min(maxSfb, MAX_LTP_LONG_SFB));
}

/** individual_channel_stream(); `common` is the CPE's shared ics_info when it has one. */
function readIcs(r: Bits, config: AacConfig, common: Ics | undefined): number[] {
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
  if (swb >= ics.numSwb) fail();
  const limit = ics.swbOffset[ics.numSwb]!;
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

function readCpe(r: Bits, config: AacConfig): void {
  let common: Ics | undefined;
  if (r.read(1)) {
    common = readIcsInfo(r, config);
    if (common.predictorPresent && config.objectType !== AOT_MAIN) readLtp(r, common.maxSfb);
    const ms = r.read(2);
    if (ms === 3) fail();
    if (ms === 1) r.skip(common.groups.length * common.maxSfb);
  }
  readIcs(r, config, common);
  readIcs(r, config, common);
}

/** coupling_channel_element(): its own ICS, then the gains of every coupled channel after the first. */
function readCce(r: Bits, config: AacConfig): void {
  // ind_sw_cce_flag set: coupling point AFTER_IMDCT, one gain per channel; otherwise one, or one per coded band.
  const afterImdct = r.read(1) === 1;
  let gains = 0;
  const coupled = r.read(3);
  for (let c = 0; c <= coupled; c++) {
    gains++;
    const pair = r.read(1) === 1;
    r.skip(4);
    if (pair && r.read(2) === 3) gains++;
  }
  r.skip(1 + 1 + 2); // cc_domain, gain_element_sign, gain_element_scale
  const bandTypes = readIcs(r, config, undefined);
  for (let c = 1; c < gains; c++) {
    if (afterImdct || r.read(1)) {
      if (decodeSymbol(r, SCALEFACTORS) < 0) fail();
    } else {
      for (const type of bandTypes) if (type !== ZERO_BT && decodeSymbol(r, SCALEFACTORS) < 0) fail();
    }
  }
}

function readDse(r: Bits): void {
  const align = r.read(1);
  let count = r.read(8);
  if (count === 255) count += r.read(8);
  if (align) r.align();
  if (r.left() < 8 * count) fail();
  r.skip(8 * count);
}

function readPce(r: Bits): void {
  r.skip(2 + 4);
  const front = r.read(4);
  const side = r.read(4);
  const back = r.read(4);
  const lfe = r.read(2);
  const assoc = r.read(3);
  const cc = r.read(4);
  for (let k = 0; k < 3; k++) if (r.read(1)) r.skip(k === 2 ? 3 : 4);
  if (r.left() < 5 * (front + side + back + cc) + 4 * (lfe + assoc + cc)) fail();
  r.skip(5 * (front + side + back + cc) + 4 * (lfe + assoc));
  r.align();
  const comment = r.read(8) * 8;
  if (r.left() < comment) fail();
  r.skip(comment);
}

/** extension_payload(): returns the bytes FFmpeg counts it as (decode_extension_payload's return). */
function readExtension(r: Bits, count: number, state: { sbr: boolean; channel: boolean }): number {
  const type = r.read(4);
  if (type === EXT_SBR_DATA || type === EXT_SBR_DATA_CRC) {
    if (!state.channel) return count; // "SBR was found before the first channel element": only the type is read
    state.sbr = true;
    r.skip(8 * count - 4);
    return count;
  }
  if (type === EXT_DYNAMIC_RANGE) return readDynamicRange(r);
  r.skip(8 * count - 4);
  return count;
}

/** dynamic_range_info(): FFmpeg's decode_dynamic_range, which counts its bytes as it goes. */
function readDynamicRange(r: Bits): number {
  let n = 1;
  let bands = 1;
  if (r.read(1)) {
    r.skip(8);
    n++;
  }
  if (r.read(1)) {
    let excluded = 0;
    do {
      r.skip(7);
      excluded += 7;
    } while (excluded < 57 && r.read(1)); // MAX_CHANNELS (64) - 7
    n += excluded / 7;
  }
  if (r.read(1)) {
    bands += r.read(4);
    r.skip(4);
    n++;
    r.skip(8 * bands);
    n += bands;
  }
  if (r.read(1)) {
    r.skip(8);
    n++;
  }
  r.skip(8 * bands);
  n += bands;
  return n;
}
