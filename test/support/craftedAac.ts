/**
 * M4A files rebuilt from the real AAC frames of a fixture (test/fixtures/audio/aac-*.m4a, made by FFmpeg's encoder):
 * several frames packed into each MP4 sample, as a crafted file would, in a plain or a fragmented file. FFmpeg's
 * decoder plays every frame of such a sample (its aac_decode_frame runs again on the packet's non-zero rest), so
 * the file plays `framesPerSample` times what its sample count says. The true length comes from the frames written.
 * FLAC frames (test/fixtures/audio/flac-mono-8k.mp4) are packed the same way, with the fixture's own fLaC entry.
 */
import { box, concat, latin1, u16be as u16, u32be as u32 } from './craftedAudio.ts';

export interface AacSource {
  /** the AudioSpecificConfig of the fixture's esds */
  asc: Uint8Array;
  rate: number;
  /** each raw_data_block, one per sample in the fixture */
  frames: Uint8Array[];
  /** the fixture's own sample entry, written as is instead of an mp4a built from `asc` (FLAC's fLaC + dfLa) */
  entry?: Uint8Array;
}

const AAC_RATES = [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];

const fullBox = (type: string, flags: number, ...content: ArrayLike<number>[]): Uint8Array => box(type, u32(flags), ...content);
const read32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

/** The boxes on the path moov/trak/mdia/minf/stbl of a single-track file, found by type. */
function findBox(b: Uint8Array, path: string[], start = 0, end = b.length): { start: number; end: number } | undefined {
  for (let pos = start; pos + 8 <= end; ) {
    const size = read32(b, pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    if (type === path[0]) return path.length === 1 ? { start: pos + 8, end: pos + size } : findBox(b, path.slice(1), pos + 8, pos + size);
    if (size < 8) return undefined;
    pos += size;
  }
  return undefined;
}

/** The frames and configuration of a fixture made by FFmpeg (one stsd entry, stsz sizes, stsc, stco). */
export function aacSourceOf(m4a: Uint8Array): AacSource {
  const stsd = findBox(m4a, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
  // mp4a entry: 8 bytes of stsd header, 8 of entry header, 28 of audio entry, then esds (12 bytes of box and version).
  let p = stsd.start + 8 + 8 + 28 + 12;
  const descriptor = (): number => {
    const tag = m4a[p++]!;
    let length = 0;
    for (let byte = 0x80; byte & 0x80; ) {
      byte = m4a[p++]!;
      length = (length << 7) | (byte & 0x7f);
    }
    void length;
    return tag;
  };
  descriptor(); // ES_Descriptor
  p += 3;
  descriptor(); // DecoderConfigDescriptor
  p += 13;
  descriptor(); // DecoderSpecificInfo
  const ascLength = m4a[p - 1]!;
  const asc = m4a.slice(p, p + ascLength);
  return { asc, rate: AAC_RATES[((asc[0]! & 0x07) << 1) | (asc[1]! >> 7)]!, frames: framesOf(m4a) };
}

/** Each sample's bytes, through stsz, stsc and stco. */
function framesOf(m4a: Uint8Array): Uint8Array[] {
  const stbl = ['moov', 'trak', 'mdia', 'minf', 'stbl'];
  const stsz = findBox(m4a, [...stbl, 'stsz'])!;
  const stsc = findBox(m4a, [...stbl, 'stsc'])!;
  const stco = findBox(m4a, [...stbl, 'stco'])!;
  const count = read32(m4a, stsz.start + 8);
  const sizes = Array.from({ length: count }, (_, i) => read32(m4a, stsz.start + 12 + 4 * i));
  const chunks = Array.from({ length: read32(m4a, stco.start + 4) }, (_, i) => read32(m4a, stco.start + 8 + 4 * i));
  const runs = Array.from({ length: read32(m4a, stsc.start + 4) }, (_, i) => ({ first: read32(m4a, stsc.start + 8 + 12 * i), perChunk: read32(m4a, stsc.start + 12 + 12 * i) }));
  const frames: Uint8Array[] = [];
  chunks.forEach((offset, c) => {
    const perChunk = runs.filter((r) => r.first <= c + 1).at(-1)!.perChunk;
    for (let k = 0; k < perChunk && frames.length < count; k++) {
      const size = sizes[frames.length]!;
      frames.push(m4a.slice(offset, offset + size));
      offset += size;
    }
  });
  return frames;
}

/** The FLAC frames of an MP4 made by FFmpeg (`-c:a flac`), one a sample, with its fLaC sample entry. */
export function flacSourceOf(mp4: Uint8Array, rate: number): AacSource {
  const stsd = findBox(mp4, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
  const entry = mp4.slice(stsd.start + 8, stsd.start + 8 + read32(mp4, stsd.start + 8));
  return { asc: new Uint8Array(0), rate, frames: framesOf(mp4), entry };
}

export interface PackedOptions {
  /** a fragmented file: empty sample tables in moov, the samples in one moof/traf/trun */
  fragmented?: boolean;
  /** bytes appended to each sample: zeros (decoders skip them) or other bytes */
  tail?: number[];
  /** sample entries in the stsd (the same one repeated; chunks name the first) */
  entries?: number;
  /**
   * fragmented: the samples' traf names track 7, which has no trex, after an empty traf of track 1. FFmpeg's
   * mov_read_tfhd skips such a tfhd, so the trun adds its samples to track 1 (the audio track).
   */
  strayTfhd?: boolean;
}

/**
 * An M4A of `samples` samples, each `framesPerSample` real frames (taken in turn from `source`) followed by
 * `tail`. Its mvhd/mdhd state what one frame a sample would play, as the tables suggest.
 */
export function craftPackedM4a(source: AacSource, samples: number, framesPerSample: number, options: PackedOptions = {}): { bytes: Uint8Array; trueSeconds: number; naiveSeconds: number } {
  const payloads = Array.from({ length: samples }, (_, s) => concat([...Array.from({ length: framesPerSample }, (_, k) => source.frames[(s * framesPerSample + k) % source.frames.length]!), options.tail ?? []]));
  const naiveSeconds = (samples * 1024) / source.rate;
  const stated = Math.round(naiveSeconds * 1000);
  const matrix = [...u32(0x10000), ...u32(0), ...u32(0), ...u32(0), ...u32(0x10000), ...u32(0), ...u32(0), ...u32(0), ...u32(0x40000000)];
  const mvhd = fullBox('mvhd', 0, u32(0), u32(0), u32(1000), u32(stated), u32(0x10000), u16(0x100), new Array(10).fill(0), matrix, new Array(24).fill(0), u32(2));
  const tkhd = fullBox('tkhd', 3, u32(0), u32(0), u32(1), u32(0), u32(stated), new Array(8).fill(0), u16(0), u16(0), u16(0x100), u16(0), matrix, u32(0), u32(0));
  const mdhd = fullBox('mdhd', 0, u32(0), u32(0), u32(source.rate), u32(samples * 1024), u16(0x55c4), u16(0));
  const hdlr = fullBox('hdlr', 0, u32(0), latin1('soun'), new Array(12).fill(0), latin1('SoundHandler\0'));
  // An empty `asc`: an esds with no DecoderSpecificInfo.
  const decoderSpecific = source.asc.length > 0 ? [0x05, source.asc.length, ...source.asc] : [];
  const decoderConfig = [0x04, 13 + decoderSpecific.length, 0x40, 0x15, 0, 0, 0, ...u32(64_000), ...u32(64_000), ...decoderSpecific];
  const es = [0x03, 3 + decoderConfig.length + 3, 0, 1, 0, ...decoderConfig, 0x06, 1, 2];
  const mp4a = source.entry ?? box('mp4a', new Array(6).fill(0), u16(1), new Array(8).fill(0), u16(1), u16(16), u16(0), u16(0), u32(source.rate * 0x10000), fullBox('esds', 0, es));
  // Built as bytes, not spread as arguments: a 25 MB file lists hundreds of thousands of sizes.
  const sizeTable = new Uint8Array(4 * samples);
  payloads.forEach((p, i) => new DataView(sizeTable.buffer).setUint32(4 * i, p.length));
  const ftyp = box('ftyp', latin1('M4A '), u32(0), latin1('M4A isommp42'));
  const mdat = box('mdat', concat(payloads));
  const stbl = (offset: number) =>
    options.fragmented
      ? box('stbl', fullBox('stsd', 0, u32(options.entries ?? 1), ...Array.from({ length: options.entries ?? 1 }, () => mp4a)), fullBox('stts', 0, u32(0)), fullBox('stsc', 0, u32(0)), fullBox('stsz', 0, u32(0), u32(0)), fullBox('stco', 0, u32(0)))
      : box('stbl', fullBox('stsd', 0, u32(options.entries ?? 1), ...Array.from({ length: options.entries ?? 1 }, () => mp4a)), fullBox('stts', 0, u32(1), u32(samples), u32(1024)), fullBox('stsc', 0, u32(1), u32(1), u32(samples), u32(1)), fullBox('stsz', 0, u32(0), u32(samples), sizeTable), fullBox('stco', 0, u32(1), u32(offset)));
  const moov = (offset: number) => {
    const minf = box('minf', fullBox('smhd', 0, u32(0)), box('dinf', fullBox('dref', 0, u32(1), fullBox('url ', 1))), stbl(offset));
    const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
    return options.fragmented ? box('moov', mvhd, trak, box('mvex', fullBox('trex', 0, u32(1), u32(1), u32(1024), u32(0), u32(0)))) : box('moov', mvhd, trak);
  };
  const trueSeconds = (samples * framesPerSample * 1024) / source.rate;
  if (!options.fragmented) {
    const offset = ftyp.length + moov(0).length + 8;
    return { bytes: concat([ftyp, moov(offset), mdat]), trueSeconds, naiveSeconds };
  }
  // default-base-is-moof; trun with a data offset (from the moof's start) and a size per sample.
  const stray = options.strayTfhd ? [box('traf', fullBox('tfhd', 0x020008, u32(1), u32(1024)), fullBox('trun', 0x000001, u32(0), u32(0)))] : [];
  const moof = (dataOffset: number) =>
    box('moof', fullBox('mfhd', 0, u32(1)), ...stray, box('traf', fullBox('tfhd', 0x020008, u32(options.strayTfhd ? 7 : 1), u32(1024)), fullBox('tfdt', 0, u32(0)), fullBox('trun', 0x000201, u32(samples), u32(dataOffset), sizeTable)));
  const dataOffset = moof(0).length + 8;
  return { bytes: concat([ftyp, moov(0), moof(dataOffset), mdat]), trueSeconds, naiveSeconds };
}

/**
 * A `fileBytes` file whose one chunk lists 2^32 - 1 samples of 1 byte each (a fixed stsz size): the samples lie in
 * the file's bytes (zeros past the real frames), so a walk reading them one by one finds each one readable.
 */
export function craftOneByteSamplesM4a(source: AacSource, fileBytes: number): Uint8Array {
  const small = craftPackedM4a(source, 10, 1).bytes;
  const b = new Uint8Array(fileBytes);
  b.set(small);
  const view = new DataView(b.buffer);
  const at = (type: string): number => small.findIndex((_, i) => String.fromCharCode(small[i]!, small[i + 1]!, small[i + 2]!, small[i + 3]!) === type) + 4;
  view.setUint32(at('mdat') - 8, fileBytes - (at('mdat') - 8)); // the mdat runs to the end
  view.setUint32(at('stsz') + 4, 1); // every sample 1 byte...
  view.setUint32(at('stsz') + 8, 0xffff_ffff); // ...and 2^32 - 1 of them
  view.setUint32(at('stsc') + 12, 0xffff_ffff); // all in the one chunk
  return b;
}

/** The largest honest M4A the bot takes: `source`'s real frames, one a sample, filling a 25 MB file (as encoders write them). */
export function craftLargestHonestM4a(source: AacSource, maxBytes: number): { bytes: Uint8Array; trueSeconds: number; samples: number } {
  const frameBytes = source.frames.reduce((n, f) => n + f.length, 0) / source.frames.length;
  const samples = Math.floor((maxBytes - 4096) / (frameBytes + 4));
  return { ...craftPackedM4a(source, samples, 1), samples };
}
