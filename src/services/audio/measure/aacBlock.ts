/**
 * Where one AAC raw_data_block() ends (ISO/IEC 14496-3 subpart 4 syntax), read as FFmpeg's decoder reads it:
 * libavcodec/aac/aacdec.c (aacdec_template.c before 7.1) aac_decode_frame_int, parse_adts_frame_header, decode_cpe,
 * decode_cce, decode_pce, skip_data_stream_element, decode_extension_payload, decode_dynamic_range (the channel
 * streams: aacIcs.ts).
 * Only the syntax is followed (no dequantisation, no IMDCT). It errs only where FFmpeg errs on the syntax itself;
 * checks that depend on decoder state (channel layout, duplicate elements) are left out, so it never stops
 * earlier than FFmpeg: at worst it finds more frames than FFmpeg plays, never fewer.
 */
import { Bits, decodeSymbol } from './aacBits.ts';
import { Invalid, SCALEFACTORS, ZERO_BT, fail, readIcs, readIcsInfo, readLtp, type AacConfig, type Ics } from './aacIcs.ts';

export type { AacConfig } from './aacIcs.ts';

export type BlockResult =
  /** `frame`: a channel element was present, so the call outputs a frame; `end`: the bit after END. */
  | { ok: true; frame: boolean; end: number; sbr: boolean; adtsRateIndex?: number }
  /** `sbr`: an SBR payload came before the failure, whose real length (FFmpeg's SBR reader may overrun its count) is unknown. */
  | { ok: false; sbr: boolean };

const AOT_MAIN = 1;
const [SCE, CPE, CCE, LFE, DSE, PCE, FIL, END] = [0, 1, 2, 3, 4, 5, 6, 7];
/** FIL extension payload types (Table 4.121) that FFmpeg reads by their own syntax. */
const EXT_DYNAMIC_RANGE = 11;
const EXT_SBR_DATA = 13;
const EXT_SBR_DATA_CRC = 14;

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
