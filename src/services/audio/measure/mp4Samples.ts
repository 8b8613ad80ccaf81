/**
 * Where each sample of an MP4 track lies in the file: the sample tables (stsz/stz2 sizes, stsc samples per chunk,
 * stco/co64 chunk offsets), and in a fragmented file each traf's trun (tfhd base-data-offset or default-base-is-moof,
 * trun data-offset, per-sample or default sizes, trex defaults), as FFmpeg's mov.c reads them.
 */
import { u16be, u32be } from './types.ts';

export interface Box {
  type: string;
  /** where the box's header starts */
  at: number;
  start: number;
  end: number;
}

/** The field sizes FFmpeg reads in an stz2 (mov.c's mov_read_stsz refuses any other as invalid data). */
const STZ2_FIELD_BITS = new Set([4, 8, 16, 32]);

/** Consecutive samples: the first at `offset`, each next one right after the previous. */
export interface SampleRun {
  offset: number;
  count: number;
  /** size of the run's i-th sample */
  size: (i: number) => number;
  /** every sample's size, when they all have one */
  fixed?: number;
}

export interface SampleTables {
  stsz?: Box;
  stz2?: Box;
  stsc?: Box;
  stco?: Box;
  co64?: Box;
}

/** The size of the n-th sample listed by an stsz/stz2 (0 past the table's end). */
export interface SampleSizes {
  count: number;
  size: (n: number) => number;
  fixed?: number;
}

export function sampleSizes(b: Uint8Array, t: SampleTables): SampleSizes | undefined {
  if (t.stsz) {
    const at = t.stsz.start;
    const fixed = u32be(b, at + 4);
    const count = u32be(b, at + 8);
    // Listed sizes: only as many as the box holds (FFmpeg can't read more either).
    const listed = Math.floor((t.stsz.end - at - 12) / 4);
    return fixed ? { count, size: () => fixed, fixed } : { count: Math.min(count, listed), size: (n) => u32be(b, at + 12 + 4 * n) };
  }
  if (t.stz2) {
    const at = t.stz2.start;
    const bits = b[at + 7] ?? 0;
    const count = u32be(b, at + 8);
    if (!STZ2_FIELD_BITS.has(bits)) return { count: 0, size: () => 0 };
    const listed = Math.floor(((t.stz2.end - at - 12) * 8) / bits);
    return {
      count: Math.min(count, listed),
      size: (n) => {
        const p = at + 12 + Math.floor((n * bits) / 8);
        return bits === 4 ? ((n & 1) === 0 ? b[p]! >> 4 : b[p]! & 0x0f) : bits === 8 ? b[p]! : bits === 16 ? u16be(b, p) : u32be(b, p);
      },
    };
  }
  return undefined;
}

/**
 * The chunks of a sample table, each a run of samples, until the sample count is reached. Read only when the stsc
 * is regular (see below): FFmpeg repairs irregular ones its own way, so the caller bounds those samples by size.
 */
export function* tableRuns(b: Uint8Array, t: SampleTables, sizes: SampleSizes): Generator<SampleRun, void, undefined> {
  const chunks = t.co64 ? t.co64 : t.stco;
  if (!chunks || !t.stsc) return;
  const wide = chunks === t.co64;
  const chunkCount = Math.min(u32be(b, chunks.start + 4), Math.floor((chunks.end - chunks.start - 8) / (wide ? 8 : 4)));
  const entries = Math.min(u32be(b, t.stsc.start + 4), Math.floor((t.stsc.end - t.stsc.start - 8) / 12));
  let sample = 0;
  for (let e = 0; e < entries && sample < sizes.count; e++) {
    const p = t.stsc.start + 8 + 12 * e;
    const first = u32be(b, p);
    const perChunk = u32be(b, p + 4);
    const last = e + 1 < entries ? u32be(b, p + 12) - 1 : chunkCount;
    for (let chunk = first; chunk <= Math.min(last, chunkCount) && sample < sizes.count; chunk++) {
      const q = chunks.start + 8 + (chunk - 1) * (wide ? 8 : 4);
      const offset = wide ? u32be(b, q) * 2 ** 32 + u32be(b, q + 4) : u32be(b, q);
      const count = Math.min(perChunk, sizes.count - sample);
      const base = sample;
      yield { offset, count, size: (i) => sizes.size(base + i), ...(sizes.fixed === undefined ? {} : { fixed: sizes.fixed }) };
      sample += count;
    }
  }
}

/** Whether an stsc is regular: first chunks start at 1 and rise, no entry of zero samples. */
export function regularStsc(b: Uint8Array, stsc: Box | undefined): boolean {
  if (!stsc) return false;
  const entries = Math.min(u32be(b, stsc.start + 4), Math.floor((stsc.end - stsc.start - 8) / 12));
  for (let e = 0, previous = 0; e < entries; e++) {
    const first = u32be(b, stsc.start + 8 + 12 * e);
    if ((e === 0 && first !== 1) || first <= previous || u32be(b, stsc.start + 12 + 12 * e) === 0) return false;
    previous = first;
  }
  return entries > 0;
}

/** trun flags of the per-sample fields, 4 bytes each: duration, size, flags, composition time offset. */
const TRUN_SAMPLE_FIELDS = [0x100, 0x200, 0x400, 0x800];

/** trex defaults per track id (mvex). */
export interface TrackDefaults {
  size: number;
}

/** The tfhd a traf's truns are read with: its track, base offset and default sample size. */
export interface FragmentHeader {
  track: number;
  base: number;
  defaultSize: number;
}

/**
 * The runs of one traf (FFmpeg's mov_read_tfhd and mov_read_trun). `implicit`: where the previous trun's data
 * ended (the moof's start for its first traf), FFmpeg's base when tfhd names none; returned updated. `previous`: the
 * last tfhd read. A tfhd naming a track with no trex is skipped by mov_read_tfhd ("could not find corresponding
 * trex"), as is a traf with none: its truns then add samples to the previous tfhd's track, at its base and size.
 */
export function fragmentRuns(b: Uint8Array, moof: Box, boxes: Box[], trex: Map<number, TrackDefaults>, implicit: number, previous: FragmentHeader | undefined): { header: FragmentHeader | undefined; runs: SampleRun[]; implicit: number } {
  const tfhd = boxes.find((c) => c.type === 'tfhd');
  const runs: SampleRun[] = [];
  const defaults = tfhd ? trex.get(u32be(b, tfhd.start + 4)) : undefined;
  let header = previous;
  if (tfhd && defaults) {
    const flags = u32be(b, tfhd.start) & 0xffffff;
    let p = tfhd.start + 8;
    let base = implicit;
    if (flags & 0x01) {
      base = u32be(b, p) * 2 ** 32 + u32be(b, p + 4);
      p += 8;
    } else if (flags & 0x20000) base = moof.at;
    if (flags & 0x02) p += 4;
    if (flags & 0x08) p += 4;
    header = { track: u32be(b, tfhd.start + 4), base, defaultSize: flags & 0x10 ? u32be(b, p) : defaults.size };
  }
  if (!header) return { header, runs, implicit }; // mov_read_trun: "no tfhd was found", its samples are not read
  const { base, defaultSize } = header;
  for (const trun of boxes.filter((c) => c.type === 'trun')) {
    const tflags = u32be(b, trun.start) & 0xffffff;
    const count = u32be(b, trun.start + 4);
    let q = trun.start + 8;
    let dataOffset = 0;
    if (tflags & 0x01) {
      dataOffset = u32be(b, q) | 0; // signed 32-bit
      q += 4;
    }
    if (tflags & 0x04) q += 4;
    const fields = TRUN_SAMPLE_FIELDS.filter((flag) => tflags & flag).length;
    const sizeAt = tflags & 0x100 ? 4 : 0;
    const entries = Math.min(count, fields > 0 ? Math.floor((trun.end - q) / (4 * fields)) : count);
    const stride = 4 * fields;
    const start = q;
    const size = tflags & 0x200 ? (i: number) => u32be(b, start + i * stride + sizeAt) : () => defaultSize;
    runs.push({ offset: base + dataOffset, count: entries, size, ...(tflags & 0x200 ? {} : { fixed: defaultSize }) });
    implicit = base + dataOffset;
    if (tflags & 0x200) for (let i = 0; i < entries; i++) implicit += size(i);
    else implicit += entries * defaultSize;
  }
  return { header, runs, implicit };
}
