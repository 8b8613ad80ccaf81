/**
 * MP4/M4A: the audio tracks' sample tables (stsz/stts sample counts, or trun counts in a fragmented file),
 * (AAC and FLAC: each sample's bytes, mp4Walk.ts, as their decoders play every frame a sample packs),
 * times the samples each coded frame decodes to, at the sample rate of the codec's own configuration.
 * The stated durations (mvhd, tkhd, mdhd, stts deltas, edit lists) are never read: a decoder plays the
 * samples the tables list, whatever those say.
 */
import { AAC_RATES, AacFrameCounter, LOWEST_AAC_RATE, readAudioSpecificConfig, unconfiguredAac, type AacStream } from './aacFrames.ts';
import { FlacSampleCounter, flacStreamRate } from './flac.ts';
import { WalkBudget, walkSeconds, type SampleCounter } from './mp4Walk.ts';
import { Slice } from './slice.ts';
import { fragmentRuns, regularStsc, sampleSizes, tableRuns, type Box, type FragmentHeader, type SampleRun, type SampleTables, type TrackDefaults } from './mp4Samples.ts';
import { OPUS_MAX_PACKET_SAMPLES, OPUS_RATE } from './opus.ts';
import { MIN_MPEG_BITS_PER_SECOND } from './mpeg.ts';
import { ascii, u16be, u32be, unreadable, unsupported, type Measurement } from './types.ts';

/** A codec we can't read frame sizes for is bounded by the largest frame FLAC (the largest of them) allows. */
const MAX_SAMPLES_PER_FRAME = 65_536;
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf']);
/**
 * An `mp4a` entry's esds objectTypeIndication picks the decoder, whatever the fourcc says (FFmpeg's ff_mp4_obj_type):
 * MPEG-4 and MPEG-2 AAC, MPEG-1/2 audio, Opus. Any other (AC-3, Vorbis, FLAC, DTS...) has frames and a rate the bot
 * does not read: counted as AAC, a file could play many times what was reserved, so it is refused.
 */
const AAC_OBJECT_TYPES = new Set([0x40, 0x66, 0x67, 0x68]);
const MPEG_AUDIO_OBJECT_TYPES = new Set([0x69, 0x6b]);
const OPUS_OBJECT_TYPE = 0xad;
/**
 * Sample entries FFmpeg reads as MPEG audio (mov.c's tags). Its demuxer runs the MPEG audio parser over their samples
 * (need_parsing FULL), so every frame inside a sample plays, however many there are: only their bytes bound them.
 */
const MPEG_AUDIO_ENTRIES = new Set(['.mp3', '.mp2', 'ms\x00\x55']);

/** The boxes directly inside [start, end); a box running past the end (a cut-off file) is clipped to it. */
function children(b: Uint8Array, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let pos = start; pos + 8 <= end; ) {
    let size = u32be(b, pos);
    let header = 8;
    if (size === 1) {
      size = u32be(b, pos + 8) * 2 ** 32 + u32be(b, pos + 12);
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header) break;
    boxes.push({ type: ascii(b, pos + 4, 4), at: pos, start: pos + header, end: Math.min(end, pos + size) });
    pos += size;
  }
  return boxes;
}

interface Track {
  id: number;
  audio: boolean;
  samples: number;
  /** the bytes of its samples (stsz), each read counted */
  bytes: number;
  /** samples of audio each coded sample (frame) decodes to, and at what rate; `mpeg`: MPEG audio, bounded by its bytes too */
  frame: { samples: number; rate: number; exact: boolean; mpeg?: boolean } | undefined;
  /** An esds object type the bot can't time (hex), when one of its entries names one. */
  unknownObjectType?: string;
  /** The sample tables, to find each sample's bytes. */
  tables: SampleTables;
  /** Sample entries in its stsd, and the AAC configuration when its only entry is AAC. */
  entries: number;
  aac?: AacStream;
  /** A FLAC entry's stream rate (dfLa STREAMINFO), when it has one. */
  flacRate?: number;
}

export async function measureMp4(b: Uint8Array): Promise<Measurement> {
  const tracks: Track[] = [];
  const fragments = new Map<number, number>(); // track id → samples in trun boxes
  const moofs: Box[] = [];
  const trex = new Map<number, TrackDefaults>();
  const slice = new Slice();
  const walk = async (start: number, end: number, track: Track | undefined, fragmentTrack: number): Promise<void> => {
    for (const box of children(b, start, end)) {
      const pause = slice.pause(); // a crafted fragmented file lists ~1,800,000 boxes: seconds of work
      if (pause) await pause;
      if (box.type === 'trak') {
        const t: Track = { id: 0, audio: false, samples: 0, bytes: 0, frame: undefined, tables: {}, entries: 0 };
        tracks.push(t);
        await walk(box.start, box.end, t, 0);
      } else if (box.type === 'mvex') {
        for (const c of children(b, box.start, box.end)) if (c.type === 'trex') trex.set(u32be(b, c.start + 4), { size: u32be(b, c.start + 16) });
      } else if (box.type === 'moof') {
        moofs.push(box);
        await walk(box.start, box.end, track, fragmentTrack);
      } else if (box.type === 'traf') {
        const tfhd = children(b, box.start, box.end).find((c) => c.type === 'tfhd');
        await walk(box.start, box.end, undefined, tfhd ? u32be(b, tfhd.start + 4) : 0);
      } else if (CONTAINERS.has(box.type)) await walk(box.start, box.end, track, fragmentTrack);
      else if (box.type === 'trun') fragments.set(fragmentTrack, (fragments.get(fragmentTrack) ?? 0) + u32be(b, box.start + 4));
      else if (track) await readTrackBox(b, box, track, slice);
    }
  };
  await walk(0, b.length, undefined, 0);
  const audio = tracks.filter((t) => t.audio);
  if (audio.length === 0) return tracks.length === 0 ? unreadable('The mp4 file has no track table (moov); it is truncated or damaged.') : unsupported('mp4None');
  const untimed = audio.find((t) => t.unknownObjectType !== undefined);
  if (untimed) return unsupported('format', { format: `MP4 (mp4a ${untimed.unknownObjectType})` });
  if (audio.some((t) => t.aac?.syntax === 'usac')) return unsupported('format', { format: 'MP4 (xHE-AAC)' });
  const runs = await fragmentSampleRuns(b, moofs, trex, slice);
  const budget = new WalkBudget(); // one for the whole file: several tracks can't each spend it
  let lower = 0;
  let upper = 0;
  for (const track of audio) {
    const frame = track.frame ?? { samples: MAX_SAMPLES_PER_FRAME, rate: LOWEST_AAC_RATE, exact: false };
    const count = track.samples + (fragments.get(track.id) ?? 0);
    // Several entries: each chunk may name another configuration (FFmpeg passes it on as new extradata), so the
    // samples are bounded by their bytes rather than read with one of them.
    if (track.aac) {
      const stream = track.aac;
      upper += await sampleSeconds(b, track, () => new AacFrameCounter(stream, frame.rate), runs.get(track.id) ?? [], track.entries === 1, budget);
      if (frame.exact) lower += (count * frame.samples) / frame.rate;
      continue;
    }
    if (track.flacRate !== undefined) {
      const flacRate = track.flacRate;
      upper += await sampleSeconds(b, track, () => new FlacSampleCounter(flacRate, frame.samples / frame.rate), runs.get(track.id) ?? [], track.entries === 1, budget);
      continue;
    }
    // MPEG audio: also the bytes read at the lowest bitrate MPEG audio has (fragments' bytes are not tallied: the whole file's).
    const mpegBytes = frame.mpeg ? (fragments.has(track.id) ? b.length : track.bytes) : 0;
    upper += Math.max((count * frame.samples) / frame.rate, (mpegBytes * 8) / MIN_MPEG_BITS_PER_SECOND);
    if (frame.exact) lower += (count * frame.samples) / frame.rate;
  }
  if (upper === 0) return unreadable('The mp4 file lists no audio samples; it is truncated or damaged.');
  return { ok: true, lowerSeconds: lower, upperSeconds: upper, codec: 'mp4' };
}

/** Every trun's samples, by track id, in file order. */
async function fragmentSampleRuns(b: Uint8Array, moofs: Box[], trex: Map<number, TrackDefaults>, slice: Slice): Promise<Map<number, SampleRun[]>> {
  const runs = new Map<number, SampleRun[]>();
  const add = (track: number, more: SampleRun[]): void => {
    const trackRuns = runs.get(track) ?? [];
    for (const run of more) trackRuns.push(run); // not a spread copy per traf: a crafted file holds ~600,000
    runs.set(track, trackRuns);
  };
  // Carried across moofs too: if FFmpeg forgets it at a moof, it reads those samples for no track (fewer, not more).
  let header: FragmentHeader | undefined;
  for (const moof of moofs) {
    const pause = slice.pause();
    if (pause) await pause;
    let implicit = moof.at;
    for (const traf of children(b, moof.start, moof.end).filter((c) => c.type === 'traf')) {
      const boxes = children(b, traf.start, traf.end);
      const tfhd = boxes.find((c) => c.type === 'tfhd');
      const own = tfhd ? u32be(b, tfhd.start + 4) : 0;
      // A tfhd with no trex: FFmpeg reads the truns for the previous tfhd's track; a decoder needing no trex, for its own.
      if (tfhd && !trex.has(own)) add(own, fragmentRuns(b, moof, boxes, new Map([[own, { size: 0 }]]), implicit, undefined).runs);
      const read = fragmentRuns(b, moof, boxes, trex, implicit, header);
      implicit = read.implicit;
      header = read.header;
      if (header) add(header.track, read.runs);
    }
  }
  return runs;
}

/** A track timed by what each sample's bytes hold (sample tables, then fragments). */
async function sampleSeconds(b: Uint8Array, track: Track, counter: () => SampleCounter, fragmentRuns: SampleRun[], readable: boolean, budget: WalkBudget): Promise<number> {
  const sizes = sampleSizes(b, track.tables);
  const regular = readable && regularStsc(b, track.tables.stsc);
  // Samples stts lists beyond the sizes table have no bytes to read: one frame each, as before.
  const extra = Math.max(0, track.samples - (sizes?.count ?? 0));
  const exactRuns = function* (): Generator<SampleRun, void, undefined> {
    if (sizes && regular) yield* tableRuns(b, track.tables, sizes);
    yield* fragmentRuns;
  };
  let seconds = await walkSeconds(b, counter(), exactRuns(), readable, extra, budget);
  if (sizes && !regular) seconds += await walkSeconds(b, counter(), [{ offset: 0, count: sizes.count, size: sizes.size, ...(sizes.fixed === undefined ? {} : { fixed: sizes.fixed }) }], false, 0, budget);
  return seconds;
}

/** A track's box; its tables' loops yield too (`slice`): a 25 MB stsz lists ~6 million sizes, an stz2 of 4 bits ~50 million. */
async function readTrackBox(b: Uint8Array, box: Box, track: Track, slice: Slice): Promise<void> {
  const at = box.start;
  if (box.type === 'stsz' || box.type === 'stz2' || box.type === 'stsc' || box.type === 'stco' || box.type === 'co64') track.tables[box.type] = box;
  switch (box.type) {
    case 'tkhd':
      track.id = u32be(b, at + (b[at] === 1 ? 20 : 12));
      return;
    case 'hdlr':
      // Only the media handler says 'soun'; QuickTime's data handler in minf ('alis', 'url ') must not undo it.
      if (ascii(b, at + 8, 4) === 'soun') track.audio = true;
      return;
    case 'stsz':
    case 'stz2': {
      // Only the sizes the box holds are read (an stz2 field size of 0 would read the same byte 2^32 times, stalling the bot).
      const sizes = sampleSizes(b, { [box.type]: box })!;
      let bytes = (sizes.fixed ?? 0) * sizes.count;
      for (let n = 0; sizes.fixed === undefined && n < sizes.count; n++) {
        bytes += sizes.size(n);
        const pause = slice.pause();
        if (pause) await pause;
      }
      track.samples = Math.max(track.samples, u32be(b, at + 8));
      track.bytes = Math.max(track.bytes, bytes);
      return;
    }
    case 'stts': {
      let sum = 0;
      const entries = u32be(b, at + 4);
      for (let i = 0, p = at + 8; i < entries && p + 8 <= box.end; i++, p += 8) {
        sum += u32be(b, p);
        const pause = slice.pause();
        if (pause) await pause;
      }
      track.samples = Math.max(track.samples, sum);
      return;
    }
    case 'stsd': {
      // Chunks may each name a different entry: bound by the one that plays longest per sample.
      const entries = children(b, at + 8, box.end);
      track.entries = entries.length;
      const frames = entries.map((entry) => sampleEntryFrame(b, entry, track));
      const longest = frames.sort((x, y) => y.samples / y.rate - x.samples / x.rate)[0];
      if (longest) track.frame = { ...longest, exact: longest.exact && frames.length === 1, mpeg: frames.some((f) => f.mpeg) };
      return;
    }
    default:
  }
}

/** Samples per coded frame and the rate they play at, from the sample entry and the codec's own configuration. */
function sampleEntryFrame(b: Uint8Array, entry: Box, track: Track): NonNullable<Track['frame']> {
  const version = u16be(b, entry.start + 8);
  // 16.16 fixed point (its integer part); QuickTime's version 2 entry keeps the real rate as a float64 further on.
  const entryRate = version === 2 ? Math.round(new DataView(b.buffer, b.byteOffset).getFloat64(entry.start + 32) || 0) : u16be(b, entry.start + 24);
  const childStart = entry.start + 28 + (version === 1 ? 16 : version === 2 ? 36 : 0);
  const boxes = children(b, childStart, entry.end);
  switch (entry.type) {
    case 'mp4a': {
      const config = esdsConfig(b, boxes.find((c) => c.type === 'esds'));
      if (config.objectType === undefined || AAC_OBJECT_TYPES.has(config.objectType)) {
        // Without an AudioSpecificConfig FFmpeg's decoder still reads raw blocks, its object type left 0 (neither Main nor LC).
        track.aac = config.asc ? readAudioSpecificConfig(b, config.asc.start, config.asc.end) : unconfiguredAac(entryRate);
      }
      if (config.objectType === OPUS_OBJECT_TYPE) return { samples: OPUS_MAX_PACKET_SAMPLES, rate: OPUS_RATE, exact: false };
      if (config.objectType !== undefined && !AAC_OBJECT_TYPES.has(config.objectType) && !MPEG_AUDIO_OBJECT_TYPES.has(config.objectType)) {
        track.unknownObjectType = `0x${config.objectType.toString(16).padStart(2, '0')}`;
      }
      // MPEG-1/2 audio carried in mp4a: at most 1152 samples a frame. AAC: 1024 (960 and 480/512 variants are shorter).
      const mpegAudio = config.objectType !== undefined && MPEG_AUDIO_OBJECT_TYPES.has(config.objectType);
      // The decoder follows the codec configuration; the entry's rate is only a hint. The lower rate plays longer.
      const rates = [entryRate, config.rate].filter((r): r is number => r !== undefined && r > 0);
      const rate = rates.length > 0 ? Math.min(...rates) : LOWEST_AAC_RATE;
      return { samples: mpegAudio ? 1152 : 1024, rate, exact: !mpegAudio, mpeg: mpegAudio };
    }
    case 'Opus':
      return { samples: OPUS_MAX_PACKET_SAMPLES, rate: OPUS_RATE, exact: false };
    case 'fLaC': {
      // dfLa: version and flags, then the metadata blocks, STREAMINFO first (its rate stands for a header's 0).
      const dfla = boxes.find((c) => c.type === 'dfLa');
      const streamRate = dfla ? flacStreamRate(b, dfla.start + 8) : 0;
      const rate = streamRate > 0 ? streamRate : entryRate > 0 ? entryRate : LOWEST_AAC_RATE;
      track.flacRate = rate;
      return { samples: MAX_SAMPLES_PER_FRAME, rate: entryRate > 0 ? entryRate : rate, exact: false };
    }
    case 'alac': {
      // The cookie (ALACSpecificConfig after version and flags): frameLength first, sampleRate 20 bytes on. FFmpeg
      // takes the rate from it, not from the entry; the lower of the two plays longer.
      const cookie = boxes.find((c) => c.type === 'alac');
      const frameLength = cookie ? u32be(b, cookie.start + 4) : 0;
      const rates = [entryRate, cookie ? u32be(b, cookie.start + 24) : 0].filter((r) => r > 0);
      return { samples: frameLength > 0 ? frameLength : MAX_SAMPLES_PER_FRAME, rate: rates.length > 0 ? Math.min(...rates) : LOWEST_AAC_RATE, exact: frameLength > 0 && rates.length === 1 };
    }
    default:
      return { samples: MAX_SAMPLES_PER_FRAME, rate: entryRate > 0 ? entryRate : LOWEST_AAC_RATE, exact: false, mpeg: MPEG_AUDIO_ENTRIES.has(entry.type) };
  }
}

/** The object type and sample rate in an esds box (ES_Descriptor → DecoderConfig → AudioSpecificConfig). */
function esdsConfig(b: Uint8Array, esds: Box | undefined): { objectType?: number; rate?: number; asc?: { start: number; end: number } } {
  if (!esds) return {};
  const result: { objectType?: number; rate?: number; asc?: { start: number; end: number } } = {};
  const descriptors = (start: number, end: number): void => {
    let p = start;
    while (p + 2 <= end) {
      const tag = b[p++]!;
      let length = 0;
      for (let k = 0; k < 4 && p < end; k++) {
        const byte = b[p++]!;
        length = (length << 7) | (byte & 0x7f);
        if ((byte & 0x80) === 0) break;
      }
      const bodyEnd = Math.min(end, p + length);
      if (tag === 0x03) {
        const flags = b[p + 2] ?? 0;
        let q = p + 3;
        if (flags & 0x80) q += 2;
        if (flags & 0x40) q += 1 + (b[q] ?? 0);
        if (flags & 0x20) q += 2;
        descriptors(q, bodyEnd);
      } else if (tag === 0x04) {
        result.objectType = b[p];
        descriptors(p + 13, bodyEnd);
      } else if (tag === 0x05) {
        result.rate = ascRate(b, p);
        result.asc = { start: p, end: bodyEnd };
      }
      p = bodyEnd;
    }
  };
  descriptors(esds.start + 4, esds.end);
  return result;
}

/** AudioSpecificConfig: 5-bit object type (31 escapes to 6 more bits), then a 4-bit rate index (15 = 24-bit rate). */
function ascRate(b: Uint8Array, p: number): number | undefined {
  const bits = (BigInt(u32be(b, p)) << 32n) | BigInt(u32be(b, p + 4));
  let shift = 64n - 5n;
  if (bits >> 59n === 31n) shift -= 6n;
  const index = Number((bits >> (shift - 4n)) & 0x0fn);
  if (index === 15) return Number((bits >> (shift - 28n)) & 0xffffffn);
  return AAC_RATES[index];
}
